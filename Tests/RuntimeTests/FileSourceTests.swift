import ICE
import Containers
import Foundation
import Ingest
import Logging
import NIOEmbedded
import RTCBase
import Routing
@testable import Runtime
import Testing

/// Files as a source (`--path clip=clip.h264+clip.opus`): the gateway reads them with the
/// project's own Annex-B and Ogg readers and publishes them, looping, in real time.
@Suite(.timeLimit(.minutes(1))) struct FileSourceTests {
    @Test func gatewayPlaysFilesFromDisk() async throws {
        let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/Runtime/Demo")
        var configuration = GatewayConfiguration()
        configuration.webRTCBindHost = "127.0.0.1"
        configuration.webRTCUDPPort = 0
        configuration.iceHostAddresses = [try ICEAdvertisedAddress(parsing: "127.0.0.1")]
        configuration.rtspServer = nil
        configuration.paths = [("clip", try SourceSpec(parsing: demo.path + "/demo.h264+" + demo.path + "/demo.opus")),
                               ("mute", try SourceSpec(parsing: demo.path + "/demo.h264"))]
        let gateway = Gateway(configuration: configuration, logger: Logger(label: "test"))
        try await gateway.start()
        let clip = try #require(gateway.router.path(named: "clip"))
        let mute = try #require(gateway.router.path(named: "mute"))
        #expect(clip.tracks?.map(\.encodingName) == ["H264", "opus"])
        #expect(mute.tracks?.map(\.encodingName) == ["H264"])
        #expect(clip.tracks?.first?.fmtp["profile-level-id"] == "42c01e")

        // A reader gets media: the first unit is the cached H.264 keyframe, as RTP of the track.
        let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let reader = try clip.addReader { wake.yield() }
        var units: [MediaUnit] = []
        for await _ in wakes {
            for case .unit(let unit) in reader.drain(max: 100) { units.append(unit) }
            if units.contains(where: { $0.trackID == 1 }), units.contains(where: { $0.trackID == 0 }) { break }
        }
        clip.removeReader(reader)
        wake.finish()
        let video = try #require(units.first { $0.trackID == 0 })
        #expect(video.isKeyframe)
        #expect(!video.packets.isEmpty && video.packets.allSatisfy { $0.payloadType == 96 && $0.timestamp == video.rtpTimestamp })
        #expect(video.packets.last?.marker == true)
        let codec = try #require(clip.tracks?.first?.codec)
        #expect(video.packets.contains { codec.isKeyframePacket($0.payload) })
        let audio = try #require(units.first { $0.trackID == 1 })
        #expect(audio.packets.count == 1 && audio.packets[0].payloadType == 111 && !audio.packets[0].payload.isEmpty)
        await gateway.stop()
    }

    @Test func unreadableFilesAreClearErrors() async throws {
        var configuration = GatewayConfiguration()
        configuration.webRTCUDPPort = 0
        configuration.rtspServer = nil
        configuration.paths = [("clip", try SourceSpec(parsing: "/nonexistent/x.h264"))]
        let gateway = Gateway(configuration: configuration, logger: Logger(label: "test"))
        await #expect { try await gateway.start() } throws: { "\($0)".contains("/nonexistent/x.h264") }
        await gateway.stop()
    }
}

/// The file source's driver on virtual time (an `EmbeddedEventLoop` and a clock that reads it):
/// the playout's deadlines become timers, and units reach the path exactly when due.
@Suite struct FileSourceVirtualTimeTests {
    @Test func publishesTheDemoClipWhenDue() throws {
        let loop = EmbeddedEventLoop()
        let now: @Sendable () -> Instant = { Instant(nanoseconds: loop.now.uptimeNanoseconds) }
        let router = Router(limits: RoutingLimits(), clock: now)
        let source = try FileSource.demo(pathName: "demo", router: router, eventLoop: loop, logger: Logger(label: "test"))
        source.clock = EngineClock(now: now)
        let path = try #require(router.path(named: "demo"))
        let reader = try path.addReader { }
        var video: [MediaUnit] = [], audio: [MediaUnit] = []
        func read() {
            for case .unit(let unit) in reader.drain(max: 10_000) {
                if unit.trackID == 0 { video.append(unit) } else { audio.append(unit) }
            }
        }
        let start = now()
        try source.startOnLoop()
        read()
        #expect(video.count == 1 && video[0].isKeyframe && audio.count == 1)
        // 30 fps: frame n is due at n/30 s, never earlier.
        loop.advanceTime(by: .nanoseconds(999_999_999))
        read()
        #expect(video.count == 30)
        loop.advanceTime(by: .nanoseconds(1))
        read()
        #expect(video.count == 31)
        #expect(video.enumerated().allSatisfy { n, unit in unit.arrival - start == .nanoseconds(Int64(n) * 1_000_000_000 / 30) })
        let audioSpan = try #require(audio.last).rtpTimestamp &- audio[0].rtpTimestamp
        #expect(audio.count > 40 && audioSpan <= 48000)
        source.stopOnLoop()
        loop.advanceTime(by: .seconds(1))
        read()
        #expect(video.count == 31)
        try loop.syncShutdownGracefully()
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ContainersTests/Fixtures")

    @Test func mediaFileNamesAreFileSources() throws {
        #expect(try SourceSpec(parsing: "movie.mp4") == .files(video: "movie.mp4", audio: nil))
        #expect(try SourceSpec(parsing: "clip.ivf") == .files(video: "clip.ivf", audio: nil))
        #expect(try SourceSpec(parsing: "clip.h265") == .files(video: "clip.h265", audio: nil))
        #expect(try SourceSpec(parsing: "a.opus+clip.hevc") == .files(video: "clip.hevc", audio: "a.opus"))
        #expect(throws: SourceError.self) { try SourceSpec(parsing: "a.mp4+b.ivf") }
    }

    @Test func gatewayPlaysMP4IVFAndH265Files() async throws {
        var configuration = GatewayConfiguration()
        configuration.webRTCBindHost = "127.0.0.1"
        configuration.webRTCUDPPort = 0
        configuration.iceHostAddresses = [try ICEAdvertisedAddress(parsing: "127.0.0.1")]
        configuration.rtspServer = nil
        let files = ["mp4": "tiny-bframes.mp4", "hevc": "tiny-hevc-aac.mp4", "vp8": "tiny.ivf", "vp9": "tiny-vp9.ivf",
                     "av1": "tiny-av1.ivf", "h265": "tiny.h265", "frag": "tiny-fragmented.mp4"]
        configuration.paths = try files.sorted { $0.key < $1.key }.map { name, file in
            (name, try SourceSpec(parsing: Self.fixtures.appendingPathComponent(file).path))
        }
        let gateway = Gateway(configuration: configuration, logger: Logger(label: "test"))
        try await gateway.start()
        let expected = ["mp4": ["H264", "opus"], "hevc": ["H265", "mpeg4-generic"], "vp8": ["VP8"], "vp9": ["VP9"],
                        "av1": ["AV1"], "h265": ["H265"], "frag": ["H264"]]
        for (name, encodings) in expected {
            #expect(gateway.router.path(named: name)?.tracks?.map(\.encodingName) == encodings, "\(name)")
        }
        let aac = try #require(gateway.router.path(named: "hevc")?.tracks?.last)
        #expect(aac.clockRate == 48000 && aac.fmtp["config"] != nil && aac.payloadType == 97)
        await gateway.stop()
    }

    /// B-frames in an MP4: units in decode order every 100 ms, composition offsets in 90 kHz
    /// ticks, so the RTP timestamps are the presentation times.
    @Test func mp4BFramesBecomeCompositionOffsets() throws {
        let bytes = [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent("tiny-bframes.mp4")))
        let tracks = try MediaFileReader.read(bytes, kind: .mp4)
        let played = try FileSource.play(tracks[0], id: 0, maxPayloadSize: 1188)
        #expect(played.info.encodingName == "H264" && played.info.clockRate == 90000 && played.info.payloadType == 96)
        #expect(played.info.fmtp["profile-level-id"]?.hasPrefix("4d") == true)
        #expect(played.units.map(\.offset) == (0..<10).map { Duration.milliseconds(100 * $0) })
        #expect(played.units.map(\.compositionOffset) == tracks[0].samples.map { $0.compositionOffset * 90000 / 10240 })
        let presentation = played.units.map { $0.compositionOffset + Int64($0.offset / .milliseconds(100)) * 9000 }
        #expect(presentation != presentation.sorted() && Set(presentation).count == 10)
        #expect(played.duration == .seconds(1))
        let audio = try FileSource.play(tracks[1], id: 1, maxPayloadSize: 1188)
        #expect(audio.info.encodingName == "opus" && audio.info.payloadType == 111 && audio.units.allSatisfy(\.isKeyframe))
    }

    @Test func brokenMediaFilesAreClearErrorsNamingTheFile() async throws {
        for (file, problem) in [("tiny-bframes.mp4", "truncated input: MP4 mdat box"), ("tiny.opus", "")] {
            var configuration = GatewayConfiguration()
            configuration.webRTCUDPPort = 0
            configuration.rtspServer = nil
            let path = Self.fixtures.appendingPathComponent(file).path
            // An Ogg file renamed to .ivf is not IVF; an MP4 cut before its moov box.
            let named = file.hasSuffix(".opus") ? try Self.copy(path, as: "not-really.ivf")
                : try Self.copy(path, as: "cut.mp4", keeping: 2000)
            configuration.paths = [("clip", try SourceSpec(parsing: named))]
            let gateway = Gateway(configuration: configuration, logger: Logger(label: "test"))
            await #expect { try await gateway.start() } throws: { error in
                "\(error)".contains(named) && "\(error)".contains(problem.isEmpty ? "DKIF" : problem)
            }
            await gateway.stop()
            try? FileManager.default.removeItem(at: URL(fileURLWithPath: named).deletingLastPathComponent())
        }
    }

    static func copy(_ path: String, as name: String, keeping length: Int = .max) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("filesource-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let target = directory.appendingPathComponent(name)
        try Data(try Data(contentsOf: URL(fileURLWithPath: path)).prefix(length)).write(to: target)
        return target.path
    }
}
