import Foundation
import Testing

extension InteropSuite {
    /// Issue #12: RTSP through the same authorizer as WHIP/WHEP, with the webhook answering
    /// asynchronously (the RTSP connection parks the request meanwhile). ffprobe over RTSP allowed
    /// by the webhook (`?token=` and Basic user:password), denied by it, timed out; ffmpeg
    /// publishing with Basic (action publish); failed attempts then block the address (401 with
    /// Retry-After and the connection closed) without asking the webhook.
    @Suite("RTSP webhook auth")
    struct RTSPWebhookTests {
        @Test("webhook over RTSP: ffprobe allowed (token, Basic user), denied, timed out; ffmpeg publishes; blocked after failures",
              .requires(.root, .ip, .gateway, .ffmpeg, .curl, .python), .timeLimit(.minutes(3)))
        func webhookDecidesRTSP() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let (hook, config) = try await scope.startAuthWebhook(extra: "rtsp: { allowBasic: true }")
            let gateway = try await scope.startGateway(["--config", config, "--path", "demo=demo", "--path", "push=publisher"])
            try await waitUntilReady(scope, gateway, path: "demo")
            func requests() -> [String] { hook.lines().filter { $0.hasPrefix("REQUEST") } }
            func log() -> String { gateway.process.text(.stdout) + gateway.process.text(.stderr) }

            // Allowed: the token in the URL, then Basic user:password (the webhook sees the user).
            let byToken = try await scope.ffprobe("rtsp://127.0.0.1:8554/demo?token=letmein", transport: "tcp")
            #expect(byToken.status == 0, "\(byToken.log)")
            #expect(byToken.streams.contains("codec_name=h264|codec_type=video|width=640|height=360"), "\(byToken.log)")
            let tokenLine = requests().last ?? ""
            #expect(tokenLine == "REQUEST demo read rtsp action,ip,path,protocol,token,user ip=127.0.0.1 user=None token=letmein",
                    "\(tokenLine)")
            let byUser = try await scope.ffprobe("rtsp://alice:letmein@127.0.0.1:8554/demo", transport: "udp")
            #expect(byUser.status == 0, "\(byUser.log)")
            let userLine = requests().last ?? ""
            #expect(userLine == "REQUEST demo read rtsp action,ip,path,protocol,token,user ip=127.0.0.1 user=alice token=letmein",
                    "\(userLine)")

            // Publishing (ANNOUNCE/RECORD) asks with action publish.
            let ffmpeg = try #require(scope.environment.ffmpeg)
            let publisher = try scope.start("ffmpeg-publisher", [
                ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "warning",
                "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30:duration=2",
                "-c:v", "libx264", "-preset", "ultrafast", "-f", "rtsp", "-rtsp_transport", "tcp",
                "rtsp://bob:letmein@127.0.0.1:8554/push",
            ])
            #expect(try await publisher.waitForExit(timeout: .seconds(30)) == 0, "\(publisher.logTail())")
            #expect(requests().contains { $0.hasPrefix("REQUEST push publish rtsp ") && $0.contains("user=bob") }, "\(requests())")
            #expect(log().contains("RTSP publisher recording"), "\(gateway.process.logTail())")

            // Denied by the webhook: a clear 401.
            let denied = try await scope.ffprobe("rtsp://127.0.0.1:8554/demo?token=nope", transport: "tcp")
            #expect(denied.status != 0 && denied.log.contains("401"), "\(denied.log)")
            // The webhook too slow (its 700 ms timeout): denied as well, in well under its 5 s.
            let started = ContinuousClock.now
            let slow = try await scope.ffprobe("rtsp://127.0.0.1:8554/demo?token=slow", transport: "tcp")
            let waited = ContinuousClock.now - started
            print("RTSP webhook timeout answered in \(waited)")
            #expect(slow.status != 0 && slow.log.contains("401"), "\(slow.log)")
            #expect(waited < .seconds(4), "the 700 ms timeout took \(waited)")
            #expect(log().contains("auth webhook unreachable or too slow"), "\(gateway.process.logTail())")

            // Two more failures reach the cap of 4: the next attempt, good or not, is refused
            // (401 with Retry-After, connection closed) without asking the webhook.
            for _ in 0..<2 {
                let refused = try await scope.ffprobe("rtsp://127.0.0.1:8554/demo?token=nope", transport: "tcp")
                #expect(refused.status != 0, "\(refused.log)")
            }
            let asked = requests().count
            let blocked = try await scope.ffprobe("rtsp://127.0.0.1:8554/demo?token=letmein", transport: "tcp")
            #expect(blocked.status != 0 && blocked.log.contains("401"), "\(blocked.log)")
            #expect(requests().count == asked, "the webhook was asked while the address was blocked")
            #expect(log().contains("too many failed authentication attempts"), "\(gateway.process.logTail())")
            #expect(gateway.process.isRunning)
            #expect(!log().contains("letmein"), "a token reached the log")
        }

        /// `/api/stats` is closed with a webhook: polls it with a token the webhook allows.
        func waitUntilReady(_ scope: InteropScope, _ gateway: GatewayProcess, path: String) async throws {
            for _ in 0..<60 {
                let answer = try await scope.http("GET", gateway.url("/api/stats"), headers: ["Authorization": "Bearer letmein"])
                if answer.status == 200, let stats = try? JSONDecoder().decode(GatewayStats.self, from: Data(answer.body.utf8)),
                   stats.path(path)?.ready == true { return }
                try await Task.sleep(for: .milliseconds(250))
            }
            Issue.record("path \(path) never became ready")
        }
    }
}
