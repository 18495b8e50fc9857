import Foundation
import Logging
import NIOCore
import NIOPosix
import RTCBase
import Recording
import Routing
@testable import Runtime
import Testing
import TestSupport

/// Recording a live path in real time: the demo clip recorded for ~3 s is a playable fMP4 of the
/// right length; an unwritable destination is reported while viewers keep receiving. Tests wait
/// on the path's reader wakes and the recorder's file events, never on sleeps.
@Suite(.serialized, .timeLimit(.minutes(1))) struct RecordingTests {
    let group = MultiThreadedEventLoopGroup.singleton
    let logger = Logger(label: "recording-test")

    @Test(.enabled(if: FFprobe.isAvailable, "ffprobe is not installed"))
    func recordsTheDemoClipAsPlayableMP4() async throws {
        let root = try TemporaryDirectory.make(prefix: "rtcbridge-rec")
        defer { try? FileManager.default.removeItem(at: root) }
        let router = Router(limits: RoutingLimits(), clock: { RuntimeClock.now() })
        // The recorder comes first: the path has no source yet.
        let path = try router.createPath(named: "live/cam")
        let recorder = try Recorder(path: path, configuration: .init(root: root.path), eventLoop: group.next(), logger: logger)
        try await recorder.start()
        let source = try FileSource.demo(pathName: "live/cam", router: router, eventLoop: group.next(), logger: logger)
        try await source.start()
        let started = ContinuousClock.now
        var fileEvents = recorder.fileEvents.makeAsyncIterator()
        let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let viewer = try path.addReader { wake.yield() }
        var frames = 0
        /// Waits on the viewer's wakes until `count` video frames went through the path.
        func awaitFrames(_ count: Int) async {
            for await _ in wakes {
                for case .unit(let unit) in viewer.drain(max: 1000) where unit.trackID == 0 { frames += 1 }
                if frames >= count { return }
            }
        }

        // Playable while being written: once the segment is open and a fragment is on disk.
        let opened = try #require(await fileEvents.next())
        guard case .opened(let partial) = opened else { Issue.record("first file event: \(opened)"); return }
        await awaitFrames(45)
        await recorder.flushToDisk()
        #expect(try FFprobe.streams(ofFile: partial).map(\.codec_name) == ["h264", "opus"])

        await awaitFrames(90)   // 3 s of media
        path.removeReader(viewer)
        wake.finish()
        await recorder.stop()
        let recorded = (ContinuousClock.now - started)
        // What the source really published by then (30 video frames and 50 Opus packets per second
        // of media): a source that lags on a loaded machine publishes, and the recorder records, less.
        let published = Double(path.stats.unitsIn) / 80
        await source.stop()

        let stats = await recorder.stats()
        #expect(stats.filesOpened == 1 && stats.filesFinished == 1 && stats.writeErrors == 0)
        let file = try #require(stats.files.first)
        let name = URL(fileURLWithPath: file).lastPathComponent
        #expect(file.hasPrefix(root.path + "/live/cam/"))
        #expect(name.wholeMatch(of: /\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}-1\.mp4/) != nil, "\(name)")
        let streams = try FFprobe.streams(ofFile: file)
        #expect(streams.map(\.codec_name) == ["h264", "opus"])
        #expect(streams.first?.width == 640 && streams.first?.height == 360)
        let wallClock = Double(recorded.components.seconds) + Double(recorded.components.attoseconds) / 1e18
        for stream in streams {
            let seconds = try #require(stream.seconds)
            #expect(abs(seconds - published) <= published * 0.1,
                    "\(stream.codec_name ?? "?") \(seconds) s vs \(published) s published")
            #expect(seconds <= wallClock * 1.1, "\(stream.codec_name ?? "?") \(seconds) s recorded in \(wallClock) s")
        }
    }

    @Test func unwritableDirectoryIsReportedAndViewersKeepReceiving() async throws {
        let root = try TemporaryDirectory.make(prefix: "rtcbridge-rec")
        defer { try? FileManager.default.removeItem(at: root) }
        // A file where the path's directory should be: every segment open fails with ENOTDIR.
        #expect(FileManager.default.createFile(atPath: root.appendingPathComponent("cam").path, contents: Data([1])))
        let router = Router(limits: RoutingLimits(), clock: { RuntimeClock.now() })
        let path = try router.createPath(named: "cam")
        var configuration = Recorder.Configuration(root: root.path)
        configuration.retryInterval = .milliseconds(200)
        let recorder = try Recorder(path: path, configuration: configuration, eventLoop: group.next(), logger: logger)
        try await recorder.start()
        let (wakes, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let viewer = try path.addReader { continuation.yield() }
        let source = try FileSource.demo(pathName: "cam", router: router, eventLoop: group.next(), logger: logger)
        try await source.start()

        // The viewer keeps receiving (drained on every wake, so it never drops) while the first
        // segment and its retry fail; no wall-clock deadline, the suite's time limit is the bound.
        var units = 0
        var stats = await recorder.stats()
        for await _ in wakes {
            for event in viewer.drain(max: 1000) { if case .unit = event { units += 1 } }
            stats = await recorder.stats()
            if units >= 60 && stats.writeErrors >= 2 { break }
        }
        await recorder.stop()
        await source.stop()
        #expect(units >= 60)
        #expect(stats.writeErrors >= 2)             // the retry failed again, and was counted
        #expect(stats.filesOpened == 0)
        #expect(stats.lastError?.contains("Not a directory") == true, "\(stats.lastError ?? "")")
        #expect(viewer.stats.dropped == 0)
    }

    @Test func symbolicLinkOutOfTheRootIsNeverWrittenThrough() async throws {
        let root = try TemporaryDirectory.make(prefix: "rtcbridge-rec")
        let outside = try TemporaryDirectory.make(prefix: "rtcbridge-rec")
        defer { try? FileManager.default.removeItem(at: root); try? FileManager.default.removeItem(at: outside) }
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("evil"), withDestinationURL: outside)
        let router = Router(limits: RoutingLimits(), clock: { RuntimeClock.now() })
        let recorder = try Recorder(path: try router.createPath(named: "evil/cam"), configuration: .init(root: root.path),
                                    eventLoop: group.next(), logger: logger)
        try await recorder.start()
        let source = try FileSource.demo(pathName: "evil/cam", router: router, eventLoop: group.next(), logger: logger)
        try await source.start()
        // The first segment fails to open: the recorder reports it (no polling).
        var fileEvents = recorder.fileEvents.makeAsyncIterator()
        let event = await fileEvents.next()
        #expect(event.map { if case .failed = $0 { true } else { false } } == true, "\(String(describing: event))")
        let stats = await recorder.stats()
        await recorder.stop()
        await source.stop()
        #expect(stats.writeErrors >= 1 && stats.filesOpened == 0)
        #expect(stats.lastError?.contains("symbolic link") == true, "\(stats.lastError ?? "")")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
    }

    @Test func namesTheRouterAllowsButTheRecorderDoesNotAreRefusedAtStart() throws {
        let router = Router(limits: RoutingLimits(), clock: { RuntimeClock.now() })
        #expect(throws: RecordingError.self) {
            try Recorder(path: try router.createPath(named: "~cam"), configuration: .init(root: "/tmp"),
                         eventLoop: group.next(), logger: logger)
        }
        #expect(throws: RecordingError.self) {
            try Recorder(path: try router.createPath(named: "cam"), configuration: .init(root: "a\0b"),
                         eventLoop: group.next(), logger: logger)
        }
    }
}
