import Foundation
import Testing

extension InteropSuite {
    /// Browsers publish into the gateway over WHIP (RFC 9725) and other browsers watch over WHEP:
    /// Chromium's encoder, packetizer, SRTP and RTCP on the way in, codec pass-through on the way
    /// out. The publisher is a second headless Chromium (fake camera 640x360@30 + microphone).
    @Suite("WHIP publish → WHEP playback")
    struct WHIPPublishTests {
        @Test("Chromium publishes via WHIP → a second Chromium plays the path via WHEP",
              .requires(InteropTool.browserAgainstGateway + [.curl]), .timeLimit(.minutes(2)),
              arguments: ["H264", "VP8"])
        func publishThenPlay(codec: String) async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startGateway(["--path", "live=publisher"])
            let publisher = try scope.startWHIPPublisher(gateway.url("/live/whip"), codec: codec)
            try await scope.waitForPublishedMedia(gateway, path: "live", publisher: publisher)

            let viewer = try await scope.runBrowser(["whep", gateway.url("/live/whep"), "--seconds", "3"])
            let published = try await publisher.finish()
            print("WHIP \(codec) → WHEP: firstFrameMs=\(viewer.firstFrameMs.map(String.init) ?? "nil") "
                + "postMs=\(viewer.postMs.map(String.init) ?? "nil") framesDecoded=\(viewer.framesDecoded ?? 0) "
                + "publisher framesEncoded=\(published.framesEncoded ?? 0) packetsSent=\(published.packetsSent ?? 0)")

            #expect(viewer.ok, "\(viewer.json)")
            #expect((viewer.framesDecoded ?? 0) > 0, "\(viewer.json)")
            #expect(viewer.codec == "video/\(codec)", "\(viewer.json)")
            #expect((viewer.audioPackets ?? 0) > 0, "\(viewer.json)")
            #expect(viewer.audioCodec == "audio/opus", "\(viewer.json)")
            #expect(viewer.width == 640 && viewer.height == 360, "\(viewer.json)")
            #expect(viewer.deleteStatus == 200 || viewer.deleteStatus == 204, "viewer DELETE: \(viewer.json)")

            #expect(published.ok, "\(published.json)")
            #expect(published.codec == "video/\(codec)", "\(published.json)")
            #expect((published.framesEncoded ?? 0) > 0 && (published.packetsSent ?? 0) > 0, "\(published.json)")
            #expect((published.audioPacketsSent ?? 0) > 0, "\(published.json)")
            #expect(published.deleteStatus == 200 || published.deleteStatus == 204, "publisher DELETE: \(published.json)")
            // The DELETE ended the publisher: the path is free again.
            #expect(try await scope.waitUntilIdle(gateway, path: "live"), "path still has a publisher after DELETE")
            #expect(gateway.process.isRunning)
            // Chromium negotiates AEAD_AES_128_GCM: both directions ran on the OpenSSL GCM path.
            let log = gateway.process.text(.stdout) + gateway.process.text(.stderr)
            #expect(log.contains("session connected") && log.contains("role=whip") && log.contains("srtp=aeadAES128GCM"), "\(gateway.process.logTail())")
        }
    }
}
