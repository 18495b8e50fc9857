import Foundation
import Logging
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
        configuration.iceHostAddresses = ["127.0.0.1"]
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
