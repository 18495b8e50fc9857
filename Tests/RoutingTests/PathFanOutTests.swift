import Testing
import TestSupport
@testable import Routing

@Suite struct PathFanOutTests {
    @Test func everyReaderGetsEveryUnitInPublishOrder() throws {
        let path = try Fixtures.router().createPath(named: "cam")
        let token = try path.attachPublisher(tracks: [Fixtures.video, Fixtures.audio], requestKeyframe: {})
        let readers = try (0..<3).map { _ in try path.addReader(wake: {}) }
        for reader in readers { #expect(reader.drainAll() == [.tracks(ids: [1, 2], epoch: 1)]) }

        path.publish(Fixtures.unit(Fixtures.video, index: 10, keyframe: true), token: token)
        path.publish(Fixtures.unit(Fixtures.audio, index: 11), token: token)
        path.publish(Fixtures.unit(Fixtures.video, index: 12), token: token)
        path.publish(Fixtures.unit(Fixtures.audio, index: 13), token: token)

        let expected: [Seen] = [.unit(track: 1, index: 10, epoch: 1), .unit(track: 2, index: 11, epoch: 1),
                                .unit(track: 1, index: 12, epoch: 1), .unit(track: 2, index: 13, epoch: 1)]
        for reader in readers {
            #expect(reader.drainAll() == expected)
            #expect(reader.stats == ReaderStats(delivered: 4, dropped: 0, keyframeWaits: 0, queued: 0))
        }
        let stats = path.stats
        #expect(stats.readers == 3)
        #expect(stats.unitsIn == 4)
        #expect(stats.packetsIn == 4)
        #expect(stats.bytesIn == 4 * 112)
    }

    @Test func drainHonoursMaxAndKeepsOrder() throws {
        let path = try Fixtures.router().createPath(named: "cam")
        let token = try path.attachPublisher(tracks: [Fixtures.audio], requestKeyframe: {})
        let reader = try path.addReader(wake: {})
        for index in 0..<5 { path.publish(Fixtures.unit(Fixtures.audio, index: index), token: token) }
        #expect(reader.drain(max: 2).map(Seen.init) == [.tracks(ids: [2], epoch: 1), .unit(track: 2, index: 0, epoch: 1)])
        #expect(reader.stats.queued == 4)
        #expect(reader.drain(max: 0).isEmpty)
        #expect(reader.drainAll().count == 4)
        #expect(reader.drain(max: 10).isEmpty)
    }

    @Test func wakeFiresOnlyOnEmptyToNonEmpty() throws {
        let path = try Fixtures.router().createPath(named: "cam")
        let wakes = CallCounter()
        let reader = try path.addReader(wake: wakes.callback)
        #expect(wakes.count == 0)  // nothing queued yet: no publisher

        let token = try path.attachPublisher(tracks: [Fixtures.audio], requestKeyframe: {})
        #expect(wakes.count == 1)  // .tracks
        path.publish(Fixtures.unit(Fixtures.audio, index: 0), token: token)
        path.publish(Fixtures.unit(Fixtures.audio, index: 1), token: token)
        #expect(wakes.count == 1)  // same burst

        _ = reader.drain(max: 1)
        path.publish(Fixtures.unit(Fixtures.audio, index: 2), token: token)
        #expect(wakes.count == 1)  // still not empty

        #expect(reader.drainAll().count == 3)
        path.publish(Fixtures.unit(Fixtures.audio, index: 3), token: token)
        path.publish(Fixtures.unit(Fixtures.audio, index: 4), token: token)
        #expect(wakes.count == 2)  // one new burst
    }

    @Test func newReaderOnPublishedPathIsWokenForItsBacklog() throws {
        let path = try Fixtures.router().createPath(named: "cam")
        _ = try path.attachPublisher(tracks: [Fixtures.audio], requestKeyframe: {})
        let wakes = CallCounter()
        let reader = try path.addReader(wake: wakes.callback)
        #expect(wakes.count == 1)
        #expect(reader.drainAll() == [.tracks(ids: [2], epoch: 1)])
    }

    @Test func secondPublisherIsBusy() throws {
        let path = try Fixtures.router().createPath(named: "cam")
        _ = try path.attachPublisher(tracks: [Fixtures.video], requestKeyframe: {})
        #expect(throws: RoutingError.busy(path: "cam")) {
            try path.attachPublisher(tracks: [Fixtures.audio], requestKeyframe: {})
        }
        #expect(path.tracks == [Fixtures.video])
    }

    @Test func invalidTrackListsAreRefused() throws {
        let path = try Fixtures.router { $0.maxTracksPerPath = 2 }.createPath(named: "cam")
        #expect(throws: RoutingError.invalidTracks(path: "cam", reason: "no tracks")) {
            try path.attachPublisher(tracks: [], requestKeyframe: {})
        }
        var duplicate = Fixtures.audio
        duplicate.id = Fixtures.video.id
        #expect(throws: RoutingError.invalidTracks(path: "cam", reason: "duplicate track id 1")) {
            try path.attachPublisher(tracks: [Fixtures.video, duplicate], requestKeyframe: {})
        }
        var third = Fixtures.audio
        third.id = 3
        #expect(throws: RoutingError.invalidTracks(path: "cam", reason: "more than 2 tracks")) {
            try path.attachPublisher(tracks: [Fixtures.video, Fixtures.audio, third], requestKeyframe: {})
        }
        var silent = Fixtures.audio
        silent.clockRate = 0
        #expect(throws: RoutingError.invalidTracks(path: "cam", reason: "track 2 has clock rate 0")) {
            try path.attachPublisher(tracks: [silent], requestKeyframe: {})
        }
        #expect(!path.isReady)
    }

    @Test func detachAndReattachStartANewEpochForAttachedReaders() throws {
        let path = try Fixtures.router().createPath(named: "cam")
        let first = try path.attachPublisher(tracks: [Fixtures.video, Fixtures.audio], requestKeyframe: {})
        #expect(first.sourceEpoch == 1)
        let reader = try path.addReader(wake: {})
        path.publish(Fixtures.unit(Fixtures.video, index: 0, keyframe: true), token: first)
        path.detachPublisher(first)
        #expect(path.tracks == nil)
        #expect(!path.isReady)

        // The old source is gone: its late units and detaches are ignored.
        path.publish(Fixtures.unit(Fixtures.audio, index: 1), token: first)
        let second = try path.attachPublisher(tracks: [Fixtures.video], requestKeyframe: {})
        path.detachPublisher(first)
        #expect(path.isReady)
        #expect(second.sourceEpoch == 2)
        path.publish(Fixtures.unit(Fixtures.video, index: 5, keyframe: true), token: second)

        #expect(reader.drainAll() == [
            .tracks(ids: [1, 2], epoch: 1), .unit(track: 1, index: 0, epoch: 1), .sourceEnded,
            .tracks(ids: [1], epoch: 2), .unit(track: 1, index: 5, epoch: 2),
        ])
        #expect(path.stats.unitsRejected == 1)
        #expect(path.stats.sourceEpoch == 2)
    }

    @Test func unitsForUnknownTracksAreRejected() throws {
        let path = try Fixtures.router().createPath(named: "cam")
        let token = try path.attachPublisher(tracks: [Fixtures.video], requestKeyframe: {})
        let reader = try path.addReader(wake: {})
        path.publish(Fixtures.unit(Fixtures.audio, index: 0), token: token)
        #expect(reader.drainAll() == [.tracks(ids: [1], epoch: 1)])
        #expect(path.stats.unitsRejected == 1)
        #expect(path.stats.unitsIn == 0)
    }

    @Test func readerCountIsCappedAndRemovedReadersGetNothing() throws {
        let path = try Fixtures.router { $0.maxReadersPerPath = 2 }.createPath(named: "cam")
        let token = try path.attachPublisher(tracks: [Fixtures.audio], requestKeyframe: {})
        let first = try path.addReader(wake: {})
        _ = try path.addReader(wake: {})
        #expect(throws: RoutingError.tooManyReaders(path: "cam", limit: 2)) { try path.addReader(wake: {}) }
        path.removeReader(first)
        #expect(path.stats.readers == 1)
        #expect(!first.isOpen)
        path.publish(Fixtures.unit(Fixtures.audio, index: 0), token: token)
        #expect(first.drainAll() == [])
        _ = try path.addReader(wake: {})
        #expect(path.stats.readers == 2)
    }
}
