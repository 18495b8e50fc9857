import Foundation
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
}
