import Testing
import TestSupport
@testable import Routing

@Suite struct GOPCacheTests {
    @Test func readerJoiningMidGOPStartsOnTheKeyframeAndAudioStartsLive() throws {
        let path = try Fixtures.router().createPath(named: "cam")
        let keyframes = CallCounter()
        let token = try path.attachPublisher(tracks: [Fixtures.video, Fixtures.audio], requestKeyframe: keyframes.callback)
        path.publish(Fixtures.unit(Fixtures.video, index: 0, keyframe: true), token: token)
        path.publish(Fixtures.unit(Fixtures.video, index: 1), token: token)
        path.publish(Fixtures.unit(Fixtures.video, index: 2, keyframe: true), token: token)
        path.publish(Fixtures.unit(Fixtures.audio, index: 3), token: token)
        path.publish(Fixtures.unit(Fixtures.video, index: 4), token: token)

        let reader = try path.addReader(wake: {})
        path.publish(Fixtures.unit(Fixtures.audio, index: 5), token: token)
        path.publish(Fixtures.unit(Fixtures.video, index: 6), token: token)
        #expect(reader.drainAll() == [
            .tracks(ids: [1, 2], epoch: 1),
            .unit(track: 1, index: 2, epoch: 1), .unit(track: 1, index: 4, epoch: 1),
            .unit(track: 2, index: 5, epoch: 1), .unit(track: 1, index: 6, epoch: 1),
        ])
        #expect(keyframes.count == 0)  // the cache had a GOP: no need to ask the source
        #expect(path.stats.cachedUnits == 3)
        #expect(path.stats.cachedBytes == 3 * 112)
    }

    @Test func readerWithoutCachedGOPWaitsForKeyframeAndRequestsOne() throws {
        let path = try Fixtures.router().createPath(named: "cam")
        let keyframes = CallCounter()
        let token = try path.attachPublisher(tracks: [Fixtures.video, Fixtures.audio], requestKeyframe: keyframes.callback)
        let reader = try path.addReader(wake: {})
        #expect(keyframes.count == 1)
        path.publish(Fixtures.unit(Fixtures.audio, index: 0), token: token)
        path.publish(Fixtures.unit(Fixtures.video, index: 1), token: token)
        path.publish(Fixtures.unit(Fixtures.video, index: 2, keyframe: true), token: token)
        path.publish(Fixtures.unit(Fixtures.video, index: 3), token: token)
        #expect(reader.drainAll() == [
            .tracks(ids: [1, 2], epoch: 1), .unit(track: 2, index: 0, epoch: 1),
            .unit(track: 1, index: 2, epoch: 1), .unit(track: 1, index: 3, epoch: 1),
        ])
        #expect(reader.stats.dropped == 1)
        #expect(reader.stats.keyframeWaits == 0)
    }

    @Test func audioOnlyPublisherNeedsNoKeyframe() throws {
        let path = try Fixtures.router().createPath(named: "radio")
        let keyframes = CallCounter()
        let token = try path.attachPublisher(tracks: [Fixtures.audio], requestKeyframe: keyframes.callback)
        path.publish(Fixtures.unit(Fixtures.audio, index: 0), token: token)
        let reader = try path.addReader(wake: {})
        #expect(reader.drainAll() == [.tracks(ids: [2], epoch: 1)])
        #expect(keyframes.count == 0)
        #expect(path.stats.cachedUnits == 0)
    }

    @Test func unitCapHoldsAtTheLimitAndInvalidatesOnePast() throws {
        let clock = VirtualClock()
        let path = try Fixtures.router({ $0.gopCacheMaxUnits = 4 }, clock: clock).createPath(named: "cam")
        let keyframes = CallCounter()
        let token = try path.attachPublisher(tracks: [Fixtures.video], requestKeyframe: keyframes.callback)
        path.publish(Fixtures.unit(Fixtures.video, index: 0, keyframe: true), token: token)
        for index in 1...3 { path.publish(Fixtures.unit(Fixtures.video, index: index), token: token) }
        #expect(path.stats.cachedUnits == 4)
        let atCap = try path.addReader(wake: {})
        #expect(atCap.drainVideoIndices() == [0, 1, 2, 3])
        #expect(keyframes.count == 0)

        path.publish(Fixtures.unit(Fixtures.video, index: 4), token: token)
        #expect(path.stats.cachedUnits == 0)
        #expect(path.stats.cachedBytes == 0)
        let pastCap = try path.addReader(wake: {})
        #expect(pastCap.drainAll() == [.tracks(ids: [1], epoch: 1)])
        #expect(keyframes.count == 1)

        // Deltas are not cached again until the next keyframe, which starts a fresh GOP.
        path.publish(Fixtures.unit(Fixtures.video, index: 5), token: token)
        #expect(path.stats.cachedUnits == 0)
        path.publish(Fixtures.unit(Fixtures.video, index: 6, keyframe: true), token: token)
        path.publish(Fixtures.unit(Fixtures.video, index: 7), token: token)
        #expect(pastCap.drainVideoIndices() == [6, 7])
        #expect(atCap.drainVideoIndices() == [4, 5, 6, 7])
        let late = try path.addReader(wake: {})
        #expect(late.drainVideoIndices() == [6, 7])
    }

    @Test func byteCapHoldsAtTheLimitAndInvalidatesOnePast() throws {
        // Each unit is one 112-byte packet (12-byte header + 100-byte payload).
        let path = try Fixtures.router { $0.gopCacheMaxBytes = 3 * 112 }.createPath(named: "cam")
        let token = try path.attachPublisher(tracks: [Fixtures.video], requestKeyframe: {})
        path.publish(Fixtures.unit(Fixtures.video, index: 0, keyframe: true), token: token)
        path.publish(Fixtures.unit(Fixtures.video, index: 1), token: token)
        path.publish(Fixtures.unit(Fixtures.video, index: 2), token: token)
        #expect(path.stats.cachedBytes == 336)
        #expect(try path.addReader(wake: {}).drainVideoIndices() == [0, 1, 2])

        path.publish(Fixtures.unit(Fixtures.video, index: 3, payloadBytes: 101), token: token)
        #expect(path.stats.cachedBytes == 0)
        #expect(try path.addReader(wake: {}).drainVideoIndices() == [])

        // A single keyframe larger than the cap is not cached either.
        path.publish(Fixtures.unit(Fixtures.video, index: 4, keyframe: true, payloadBytes: 325), token: token)
        #expect(path.stats.cachedBytes == 0)
        path.publish(Fixtures.unit(Fixtures.video, index: 5, keyframe: true, payloadBytes: 324), token: token)
        #expect(path.stats.cachedBytes == 336)
    }

    @Test func gopBacklogLongerThanTheQueueIsDeliveredWhole() throws {
        let path = try Fixtures.router { $0.readerQueueUnits = 4 }.createPath(named: "cam")
        let token = try path.attachPublisher(tracks: [Fixtures.video], requestKeyframe: {})
        path.publish(Fixtures.unit(Fixtures.video, index: 0, keyframe: true), token: token)
        for index in 1...5 { path.publish(Fixtures.unit(Fixtures.video, index: index), token: token) }
        let reader = try path.addReader(wake: {})
        // Backlog (tracks + 6 units) plus a full queue of 4 live units fit...
        for index in 6...9 { path.publish(Fixtures.unit(Fixtures.video, index: index), token: token) }
        #expect(reader.stats.queued == 11)
        #expect(reader.stats.dropped == 0)
        // ...one more overflows: the 10 queued units are dropped, and the delta is skipped.
        path.publish(Fixtures.unit(Fixtures.video, index: 10), token: token)
        #expect(reader.stats == ReaderStats(delivered: 0, dropped: 11, keyframeWaits: 1, queued: 1))
        #expect(reader.drainAll() == [.tracks(ids: [1], epoch: 1)])
    }

    @Test func freshSourceWithoutKeyframeIsAskedForOneWhileReadersWait() throws {
        let clock = VirtualClock()
        let path = try Fixtures.router(clock: clock).createPath(named: "cam")
        let reader = try path.addReader(wake: {})
        let keyframes = CallCounter()
        let token = try path.attachPublisher(tracks: [Fixtures.video], requestKeyframe: keyframes.callback)
        path.publish(Fixtures.unit(Fixtures.video, index: 0), token: token)
        #expect(keyframes.count == 1)
        clock.advance(by: .milliseconds(500))
        path.publish(Fixtures.unit(Fixtures.video, index: 1), token: token)
        #expect(keyframes.count == 2)
        path.publish(Fixtures.unit(Fixtures.video, index: 2, keyframe: true), token: token)
        clock.advance(by: .milliseconds(500))
        path.publish(Fixtures.unit(Fixtures.video, index: 3), token: token)
        #expect(keyframes.count == 2)
        #expect(reader.drainVideoIndices() == [2, 3])
    }
}
