import Testing
import TestSupport
@testable import Routing

@Suite struct SlowReaderTests {
    @Test func slowReaderDropsThenResumesAtNextKeyframeWhileFastReaderGetsEverything() throws {
        let path = try Fixtures.router { $0.readerQueueUnits = 4 }.createPath(named: "cam")
        let keyframes = CallCounter()
        let token = try path.attachPublisher(tracks: [Fixtures.video, Fixtures.audio], requestKeyframe: keyframes.callback)
        path.publish(Fixtures.unit(Fixtures.video, index: 0, keyframe: true), token: token)
        let fast = try path.addReader(wake: {})
        let slow = try path.addReader(wake: {})
        var fastSeen = fast.drainAll()
        _ = slow.drainAll()  // tracks + cached keyframe; the queue is empty from here

        let script: [(track: TrackInfo, keyframe: Bool)] = [
            (Fixtures.video, false), (Fixtures.audio, false), (Fixtures.video, false), (Fixtures.video, false),  // 1-4 fill
            (Fixtures.video, false),  // 5: overflow, dropped with the queue
            (Fixtures.audio, false),  // 6: audio keeps flowing
            (Fixtures.video, false),  // 7: skipped, waiting for a keyframe
            (Fixtures.video, true),   // 8: resumes
            (Fixtures.video, false),  // 9
        ]
        for (offset, step) in script.enumerated() {
            path.publish(Fixtures.unit(step.track, index: offset + 1, keyframe: step.keyframe), token: token)
            fastSeen += fast.drainAll()
        }

        #expect(fastSeen.count == 2 + script.count)
        #expect(fastSeen.suffix(script.count) == script.enumerated().map { offset, step in
            Seen.unit(track: step.track.id, index: UInt32(offset + 1), epoch: 1)
        })
        #expect(fast.stats == ReaderStats(delivered: 10, dropped: 0, keyframeWaits: 0, queued: 0))

        #expect(slow.drainAll() == [
            .unit(track: 2, index: 6, epoch: 1), .unit(track: 1, index: 8, epoch: 1), .unit(track: 1, index: 9, epoch: 1),
        ])
        #expect(slow.stats == ReaderStats(delivered: 4, dropped: 6, keyframeWaits: 1, queued: 0))
        #expect(keyframes.count == 1)  // the overflow asked the source for a keyframe
    }

    @Test func overflowKeepsControlEvents() throws {
        let path = try Fixtures.router { $0.readerQueueUnits = 3 }.createPath(named: "cam")
        let first = try path.attachPublisher(tracks: [Fixtures.audio], requestKeyframe: {})
        let reader = try path.addReader(wake: {})
        _ = reader.drainAll()
        path.publish(Fixtures.unit(Fixtures.audio, index: 0), token: first)
        path.publish(Fixtures.unit(Fixtures.audio, index: 1), token: first)
        path.detachPublisher(first)
        _ = try path.attachPublisher(tracks: [Fixtures.video, Fixtures.audio], requestKeyframe: {})
        #expect(reader.drainAll() == [.sourceEnded, .tracks(ids: [1, 2], epoch: 2)])
        #expect(reader.stats == ReaderStats(delivered: 0, dropped: 2, keyframeWaits: 1, queued: 0))
    }

    @Test func overflowCollapsesControlEventsToTheLatest() throws {
        let path = try Fixtures.router { $0.readerQueueUnits = 3 }.createPath(named: "cam")
        let reader = try path.addReader(wake: {})
        for _ in 0..<3 {
            let token = try path.attachPublisher(tracks: [Fixtures.audio], requestKeyframe: {})
            path.detachPublisher(token)
        }
        // Six control events through a queue of three: only the latest story is kept.
        #expect(reader.drainAll() == [.tracks(ids: [2], epoch: 3), .sourceEnded])
    }

    @Test func eachVideoTrackWaitsForItsOwnKeyframe() throws {
        let second = TrackInfo(id: 3, kind: .video, encodingName: "VP8", clockRate: 90_000, payloadType: 97)
        let path = try Fixtures.router { $0.readerQueueUnits = 3 }.createPath(named: "cam")
        let token = try path.attachPublisher(tracks: [Fixtures.video, second], requestKeyframe: {})
        path.publish(Fixtures.unit(Fixtures.video, index: 0, keyframe: true), token: token)
        path.publish(Fixtures.unit(second, index: 1, keyframe: true), token: token)
        let reader = try path.addReader(wake: {})
        _ = reader.drainAll()
        path.publish(Fixtures.unit(Fixtures.video, index: 2), token: token)
        path.publish(Fixtures.unit(second, index: 3), token: token)
        path.publish(Fixtures.unit(Fixtures.video, index: 4), token: token)
        path.publish(Fixtures.unit(second, index: 5), token: token)  // overflow: both tracks wait
        path.publish(Fixtures.unit(Fixtures.video, index: 6, keyframe: true), token: token)
        path.publish(Fixtures.unit(second, index: 7), token: token)  // still waiting
        path.publish(Fixtures.unit(Fixtures.video, index: 8), token: token)
        path.publish(Fixtures.unit(second, index: 9, keyframe: true), token: token)
        #expect(reader.drainAll() == [
            .unit(track: 1, index: 6, epoch: 1), .unit(track: 1, index: 8, epoch: 1), .unit(track: 3, index: 9, epoch: 1),
        ])
        #expect(reader.stats.dropped == 5)
    }
}
