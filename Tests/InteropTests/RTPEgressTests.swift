import Foundation
import Testing

extension InteropSuite {
    /// Plain RTP/UDP egress (`--forward`): the gateway sends a path as RTP and writes the SDP file
    /// a receiver opens; ffmpeg, a real third-party RTP receiver, decodes video and audio from it.
    @Suite("Plain RTP egress to ffmpeg")
    struct RTPEgressTests {
        @Test("Demo clip → rtcbridge --forward rtp:// → ffmpeg decodes from the generated SDP",
              .requires(.root, .ip, .ffmpeg, .gateway, .curl), .timeLimit(.minutes(1)))
        func demoToFFmpeg() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let sdpPath = scope.file("demo.sdp")
            let gateway = try await scope.startGateway([
                "--path", "demo=demo", "--forward", "demo=rtp://127.0.0.1:5004?sdp=\(sdpPath)",
            ])
            try await scope.waitUntilReady(gateway, path: "demo")
            let sdp = try await waitForSDP(sdpPath, gateway: gateway)
            #expect(sdp.contains("m=video 5004 RTP/AVP 96\r\n"), "\(sdp)")
            #expect(sdp.contains("m=audio 5006 RTP/AVP 97\r\na=rtpmap:97 opus/48000/2\r\n"), "\(sdp)")
            #expect(sdp.contains("a=fmtp:96 packetization-mode=1;profile-level-id="), "\(sdp)")

            let ffmpeg = try #require(scope.environment.ffmpeg)
            let receiver = try scope.start("ffmpeg-receiver", [
                ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "info", "-progress", "pipe:1",
                "-protocol_whitelist", "file,udp,rtp", "-i", sdpPath, "-t", "3", "-f", "null", "-",
            ])
            let status = try await receiver.waitForExit(timeout: .seconds(30))
            let output = receiver.text(.stdout), log = receiver.text(.stderr)
            // `-progress` writes `frame=N` blocks; the last one is the total.
            let frames = output.matches(of: /frame=(\d+)/).compactMap { Int($0.1) }.last ?? 0
            let audioKiB = log.matches(of: /audio:(\d+)(?:KiB|kB)/).compactMap { Int($0.1) }.last ?? 0
            print("RTP egress → ffmpeg: frames=\(frames) audio=\(audioKiB)KiB status=\(status)")
            #expect(status == 0, "\(receiver.logTail())")
            #expect(frames > 30, "\(receiver.logTail())")
            #expect(log.contains("Video: h264"), "\(receiver.logTail())")
            #expect(log.contains("Audio: opus"), "\(receiver.logTail())")
            #expect(audioKiB > 0, "no audio decoded: \(receiver.logTail())")
            #expect(gateway.process.isRunning)
        }

        @Test("Chromium publishes via WHIP → rtcbridge --forward rtp:// → ffmpeg decodes from the generated SDP",
              .requires(InteropTool.browserAgainstGateway + [.ffmpeg, .curl]), .timeLimit(.minutes(2)))
        func whipToFFmpeg() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let sdpPath = scope.file("live.sdp")
            let gateway = try await scope.startGateway([
                "--path", "live=publisher", "--forward", "live=rtp://127.0.0.1:5004?sdp=\(sdpPath)",
            ])
            let publisher = try scope.startWHIPPublisher(gateway.url("/live/whip"), codec: "H264")
            try await scope.waitForPublishedMedia(gateway, path: "live", publisher: publisher)
            let sdp = try await waitForSDP(sdpPath, gateway: gateway)
            #expect(sdp.contains("m=video 5004 RTP/AVP 96\r\n"), "\(sdp)")

            let ffmpeg = try #require(scope.environment.ffmpeg)
            let receiver = try scope.start("ffmpeg-receiver", [
                ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "info", "-progress", "pipe:1",
                // A WebRTC publisher sends keyframes only on request: the forwarder asks for one every
                // 3 s while none went out, so give the receiver time to meet one.
                "-protocol_whitelist", "file,udp,rtp", "-i", sdpPath, "-t", "8", "-f", "null", "-",
            ])
            let status = try await receiver.waitForExit(timeout: .seconds(30))
            let frames = receiver.text(.stdout).matches(of: /frame=(\d+)/).compactMap { Int($0.1) }.last ?? 0
            print("WHIP → RTP egress → ffmpeg: frames=\(frames) status=\(status)")
            let published = try await publisher.finish()
            #expect(published.ok, "\(published)")
            #expect(status == 0, "\(receiver.logTail())")
            #expect(frames > 30, "\(receiver.logTail())")
            #expect(receiver.text(.stderr).contains("Video: h264"), "\(receiver.logTail())")
            #expect(gateway.process.isRunning)
        }

        /// Waits until the gateway has written an SDP with both streams and the H.264 parameter
        /// sets learnt from the first keyframe.
        private func waitForSDP(_ file: String, gateway: GatewayProcess) async throws -> String {
            let deadline = ContinuousClock.now + .seconds(10)
            while true {
                if let data = FileManager.default.contents(atPath: file) {
                    let sdp = String(decoding: data, as: UTF8.self)
                    if sdp.contains("m=video"), sdp.contains("m=audio"), sdp.contains("sprop-parameter-sets=") {
                        return sdp
                    }
                }
                if ContinuousClock.now >= deadline {
                    throw InteropError.timedOut(what: "the gateway to write \(file)", seconds: 10,
                                                log: gateway.process.logTail())
                }
                try await Task.sleep(for: ManagedProcess.pollInterval)
            }
        }
    }
}
