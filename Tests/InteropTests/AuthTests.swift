import Foundation
import Testing

extension InteropSuite {
    /// Issue #12 item 4: JWT (HS256 from `auth.jwt.secret`) and webhook authentication against
    /// the real binary. WHEP POSTs with good, expired, wrong-path, wrong-action and `alg: none`
    /// tokens (curl for the status), one Chromium session with a good token, ffprobe over RTSP
    /// with the JWT as the Basic password, the API with and without the `api` claim; the webhook
    /// (`Scripts/auth-webhook.py`) allowing, denying and timing out, and failed attempts answered
    /// 429 without asking it. No token ever reaches the gateway's output.
    @Suite("JWT and webhook auth")
    struct AuthTests {
        static let secret = "interop-secret-0123456789abcdef-0123456789"

        @Test("JWT: WHEP good/expired/wrong path/wrong action/none, Chromium session, ffprobe RTSP, API",
              .requires(InteropTool.browserAgainstGateway + [.ffmpeg, .curl, .python]), .timeLimit(.minutes(3)))
        func jwt() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let config = scope.file("auth.yml")
            try """
            auth:
              jwt: { secret: "\(Self.secret)", leeway: "5s" }
              failures: { max: 100 }
            rtsp: { allowBasic: true }
            """.write(toFile: config, atomically: true, encoding: .utf8)
            let gateway = try await scope.startGateway(["--config", config, "--path", "demo=demo", "--path", "cam=demo"])
            let now = Int(Date().timeIntervalSince1970)
            let good = try await token(scope, ["exp": now + 600, "rtcbridge": ["read": ["de*"], "api": true]])
            let expired = try await token(scope, ["exp": now - 60, "rtcbridge": ["read": ["*"]]])
            let wrongPath = try await token(scope, ["exp": now + 600, "rtcbridge": ["read": ["cam"]]])
            let publishOnly = try await token(scope, ["exp": now + 600, "rtcbridge": ["publish": ["demo"]]])
            let unsigned = try await token(scope, ["exp": now + 600, "rtcbridge": ["read": ["*"]]], algNone: true)
            let whep = gateway.url("/demo/whep")
            try await waitUntilServed(scope, whep, token: good)

            let refusals: [(String, String?, String)] = [
                ("expired", expired, "token expired"), ("wrong path", wrongPath, "path not allowed"),
                ("wrong action", publishOnly, "action not allowed"), ("alg none", unsigned, "unsupported algorithm"),
                ("none at all", nil, "missing or wrong bearer token"),
            ]
            for (name, bad, reason) in refusals {
                let refused = try await post(scope, whep, token: bad)
                #expect(refused.status == 401, "\(name): \(refused.status) \(refused.body)")
                #expect(refused.header("WWW-Authenticate") == "Bearer", "\(name)")
                #expect(refused.body.contains(reason), "\(name): \(refused.body)")
            }
            let created = try await post(scope, whep, token: good)
            #expect(created.status == 201, "\(created.body)")

            // The API: `"api": true` in the claim; nothing without a token.
            #expect(try await scope.http("GET", gateway.url("/api/stats")).status == 401)
            #expect(try await scope.http("GET", gateway.url("/metrics"), headers: ["Authorization": "Bearer \(wrongPath)"]).status == 401)
            let stats = try await scope.http("GET", gateway.url("/api/stats"), headers: ["Authorization": "Bearer \(good)"])
            #expect(stats.status == 200 && stats.body.contains("\"paths\""), "\(stats.status)")
            #expect(try await scope.http("GET", gateway.url("/metrics"), headers: ["Authorization": "Bearer \(good)"]).status == 200)

            // One real session with the token (Chromium decodes the demo).
            let report = try await scope.runBrowser(["whep", whep, "--seconds", "3", "--token", good])
            print("JWT WHEP session: ok=\(report.ok) framesDecoded=\(report.framesDecoded ?? 0)")
            #expect(report.ok, "\(report.json)")
            #expect((report.framesDecoded ?? 0) > 30, "\(report.json)")

            // RTSP: ffmpeg keeps only 127 bytes of "user:password", too few for a JWT as the Basic
            // password, so it presents the JWT as `?token=`; a short one fits the password.
            let allowed = try await scope.ffprobe("rtsp://127.0.0.1:8554/demo?token=\(good)", transport: "tcp")
            #expect(allowed.status == 0, "\(allowed.log)")
            #expect(allowed.streams.contains("codec_name=h264|codec_type=video|width=640|height=360"), "\(allowed.log)")
            let refusedRTSP = try await scope.ffprobe("rtsp://127.0.0.1:8554/demo?token=\(expired)", transport: "tcp")
            #expect(refusedRTSP.status != 0 && refusedRTSP.log.contains("401"), "\(refusedRTSP.log)")
            let otherPath = try await scope.ffprobe("rtsp://127.0.0.1:8554/cam?token=\(good)", transport: "tcp")
            #expect(otherPath.status != 0, "\(otherPath.log)")

            #expect(gateway.process.isRunning)
            gateway.process.terminate()
            let log = gateway.process.text(.stdout) + gateway.process.text(.stderr)
            #expect(log.contains("requires JWT"), "no exposure line naming JWT")
            for secret in [Self.secret, good, expired, wrongPath] {
                #expect(!log.contains(secret), "a token or the secret reached the log:\n\(gateway.process.logTail())")
            }
        }

        @Test("webhook: allow, deny, timeout; failed attempts get 429 without asking it",
              .requires(.root, .ip, .gateway, .curl, .python), .timeLimit(.minutes(2)))
        func webhook() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let (hook, config) = try await scope.startAuthWebhook()
            let gateway = try await scope.startGateway(["--config", config, "--path", "demo=demo"])
            let whep = gateway.url("/demo/whep")
            try await waitUntilServed(scope, whep, token: "letmein")

            let denied = try await post(scope, whep, token: "nope")
            #expect(denied.status == 401 && denied.body.contains("refused by the auth webhook"), "\(denied.status) \(denied.body)")
            let started = ContinuousClock.now
            let slow = try await post(scope, whep, token: "slow")
            let waited = ContinuousClock.now - started
            print("webhook timeout answered in \(waited)")
            #expect(slow.status == 401 && slow.body.contains("too slow"), "\(slow.status) \(slow.body)")
            #expect(waited < .seconds(4), "the 700 ms timeout took \(waited)")
            let line = hook.lines().filter { $0.hasPrefix("REQUEST") }.last ?? ""
            #expect(line.hasPrefix("REQUEST demo read whep action,ip,path,protocol,token,user"), "\(line)")

            // Two more failures reach the cap of 4; the next attempt is refused unasked.
            for _ in 0..<2 { #expect(try await post(scope, whep, token: "nope").status == 401) }
            let asked = hook.lines().filter { $0.hasPrefix("REQUEST") }.count
            let limited = try await post(scope, whep, token: "letmein")
            #expect(limited.status == 429, "\(limited.status) \(limited.body)")
            #expect(Int(limited.header("Retry-After") ?? "") ?? 0 > 0, "\(limited.headers)")
            #expect(hook.lines().filter { $0.hasPrefix("REQUEST") }.count == asked, "the webhook was asked while limited")
            #expect(gateway.process.isRunning)
        }

        /// A compact JWT from `Scripts/jwt-hs256.py`.
        func token(_ scope: InteropScope, _ claims: [String: Any], algNone: Bool = false) async throws -> String {
            let json = String(decoding: try JSONSerialization.data(withJSONObject: claims), as: UTF8.self)
            let process = try scope.start("jwt", [scope.environment.python, scope.environment.script("jwt-hs256.py"), Self.secret, json]
                                              + (algNone ? ["--alg", "none"] : []))
            #expect(try await process.waitForExit(timeout: .seconds(10)) == 0)
            return process.text().trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func post(_ scope: InteropScope, _ url: String, token: String?) async throws -> HTTPExchange {
            var headers = ["Content-Type": "application/sdp"]
            if let token { headers["Authorization"] = "Bearer \(token)" }
            return try await scope.http("POST", url, headers: headers, body: Data(SampleOffers.recvonly.utf8))
        }

        /// Polls WHEP with an accepted token until the path answers 201 (`/api/stats` needs a token here).
        func waitUntilServed(_ scope: InteropScope, _ url: String, token: String) async throws {
            for _ in 0..<60 {
                let answer = try await post(scope, url, token: token)
                if answer.status == 201 { return }
                #expect(answer.status == 503, "\(answer.status) \(answer.body)")
                try await Task.sleep(for: .milliseconds(250))
            }
            Issue.record("the path never answered 201")
        }
    }
}

extension InteropScope {
    /// Starts `Scripts/auth-webhook.py` and writes `webhook.yml` pointing at it (timeout 700 ms,
    /// 4 failures per 60 s) plus `extra` YAML; the webhook process and the file.
    func startAuthWebhook(extra: String = "") async throws -> (hook: ManagedProcess, config: String) {
        let hook = try start("auth-webhook", [environment.python, environment.script("auth-webhook.py")])
        let (_, portLine) = try await hook.waitForLine(matching: "^PORT [0-9]+$", timeout: .seconds(10))
        let port = try #require(portLine.split(separator: " ").last.map(String.init))
        let config = file("webhook.yml")
        try """
        auth:
          webhook: { url: "http://127.0.0.1:\(port)/auth", timeout: "700ms" }
          failures: { max: 4, window: "60s" }
        \(extra)
        """.write(toFile: config, atomically: true, encoding: .utf8)
        return (hook, config)
    }
}
