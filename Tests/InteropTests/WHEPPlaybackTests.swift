import Foundation
import Testing

extension InteropSuite {
    /// Headless Chromium plays the gateway's streams over WHEP: real ICE, DTLS, SRTP, H.264
    /// depacketization and Opus decoding on the browser side.
    @Suite("WHEP playback in Chromium")
    struct WHEPPlaybackTests {
        @Test("RTP camera (ffmpeg H.264 + Opus) → rtcbridge → Chromium WHEP",
              .requires(InteropTool.browserAgainstGateway + [.ffmpeg, .curl]), .timeLimit(.minutes(2)))
        func rtpCameraToChromium() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            // 2 s GOP, multi-slice frames (zerolatency), SPS/PPS in-band only.
            let (camera, sdpPath) = try await scope.startRTPCamera(RTPCameraSource(seconds: 25, gopFrames: 60))
            let gateway = try await scope.startGateway(["--path", "cam=\(sdpPath)"])
            try await scope.waitUntilReady(gateway, path: "cam")

            let report = try await scope.runBrowser(["whep", gateway.url("/cam/whep"), "--seconds", "3"])
            print("RTP camera → WHEP: firstFrameMs=\(report.firstFrameMs.map(String.init) ?? "nil") "
                + "postMs=\(report.postMs.map(String.init) ?? "nil") framesDecoded=\(report.framesDecoded ?? 0)")
            #expect(report.ok, "\(report.json)")
            #expect((report.framesDecoded ?? 0) > 0)
            #expect((report.audioPackets ?? 0) > 0)
            #expect(report.codec == "video/H264")
            #expect(report.audioCodec == "audio/opus")
            #expect(report.width == 640 && report.height == 360, "\(report.json)")
            #expect(report.deleteStatus == 200 || report.deleteStatus == 204, "DELETE of the session: \(report.json)")
            #expect(camera.isRunning, "ffmpeg ended before the viewer finished: \(camera.logTail())")
            #expect(gateway.process.isRunning)

            // The DELETEd viewer leaves the path (give the gateway up to 3 s to tear the session down).
            let deadline = ContinuousClock.now + .seconds(3)
            var cam = try #require(try await scope.stats(of: gateway).path("cam"))
            while cam.readers != 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                cam = try #require(try await scope.stats(of: gateway).path("cam"))
            }
            #expect(cam.unitsIn > 0 && cam.bytesIn > 0)
            #expect(cam.readers == 0, "the DELETEd viewer is still counted")
        }

        @Test("Embedded demo clip → Chromium WHEP",
              .requires(InteropTool.browserAgainstGateway + [.curl]), .timeLimit(.minutes(2)))
        func demoToChromium() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startGateway(["--path", "demo=demo"])
            try await scope.waitUntilReady(gateway, path: "demo")

            let report = try await scope.runBrowser(["whep", gateway.url("/demo/whep"), "--seconds", "3"])
            print("demo → WHEP: firstFrameMs=\(report.firstFrameMs.map(String.init) ?? "nil") "
                + "codec=\(report.codec ?? "nil") framesDecoded=\(report.framesDecoded ?? 0)")
            #expect(report.ok, "\(report.json)")
            #expect((report.framesDecoded ?? 0) > 0)
            #expect((report.audioPackets ?? 0) > 0)
            #expect((report.width ?? 0) > 0)
            #expect(report.deleteStatus == 200 || report.deleteStatus == 204, "DELETE of the session: \(report.json)")

            // The offer as some non-browser stacks send it: the audio section with port 0 and
            // a=bundle-only, its ICE/DTLS/rtcp-mux only in the tagged section (RFC 8843 §7.3.3).
            let bundleOnly = try await scope.runBrowser(["whep", gateway.url("/demo/whep"), "--seconds", "2",
                                                         "--bundle-only"])
            #expect(bundleOnly.ok, "\(bundleOnly.json)")
            #expect(bundleOnly.json.contains("\"bundleOnlySections\": 1"), "the offer had no bundle-only section: \(bundleOnly.json)")
            #expect((bundleOnly.framesDecoded ?? 0) > 0 && (bundleOnly.audioPackets ?? 0) > 0, "\(bundleOnly.json)")
            #expect(gateway.process.isRunning)
        }

        @Test("SIGTERM ends the gateway cleanly (exit status 0)",
              .requires(.root, .ip, .gateway, .curl), .timeLimit(.minutes(1)))
        func terminatesOnSIGTERM() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startGateway(["--path", "demo=demo"])
            gateway.process.send(SIGTERM)
            let status = try await gateway.process.waitForExit(timeout: .seconds(5))
            #expect(status == 0, "\(gateway.process.logTail())")
        }
    }
}
