import Auth
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Testing
@testable import Server

/// A Python http.server on an ephemeral loopback port standing in for the auth webhook:
/// POST /check answers 200 when the JSON body has all six fields and token "good", else 403;
/// POST /slow answers after 3 s; GET /count tells how many POSTs arrived. It exits by itself
/// after 60 s if the test never stops it.
final class WebhookStub {
    static let script = """
    import http.server, json, threading, time
    count = 0
    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a): pass
        def answer(self, code, text=b""):
            self.send_response(code); self.send_header("Content-Length", str(len(text))); self.end_headers(); self.wfile.write(text)
        def do_GET(self):
            self.answer(200, str(count).encode())
        def do_POST(self):
            global count
            count += 1
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            if self.path == "/slow":
                time.sleep(3); return self.answer(204)
            keys = {"path", "action", "protocol", "ip", "user", "token"}
            ok = set(body) == keys and body["token"] == "good" and self.headers.get("Content-Type") == "application/json"
            self.answer(200 if ok else 403)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    print(server.server_address[1], flush=True)
    threading.Timer(60, server.shutdown).start()
    server.serve_forever()
    """

    let process = Process()
    let port: Int

    init() throws {
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script]
        process.standardOutput = output
        try process.run()
        var line = Data()
        for _ in 0..<64 {   // bounded: the port line comes at once
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
            if line.contains(UInt8(ascii: "\n")) { break }
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(process.processIdentifier, SIGKILL)
            throw StubError()
        }
        self.port = port
    }

    func url(_ path: String) -> URL { URL(string: "http://127.0.0.1:\(port)\(path)")! }

    func count() async throws -> Int {
        let (data, _) = try await URLSession.shared.data(from: url("/count"))
        return Int(String(decoding: data, as: UTF8.self)) ?? -1
    }

    deinit {
        // SIGKILL: the test runner's blocked signal mask is inherited, so SIGTERM may never land.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    struct StubError: Error {}
}

@Suite(.serialized) struct AuthWebhookTests {
    func request(token: String?) -> AuthRequest {
        AuthRequest(path: "cam", action: .read, protocol: .whep, clientIP: "127.0.0.1", token: token)
    }

    @Test func allowDenyAndTimeout() async throws {
        let stub = try WebhookStub()
        let client = AuthWebhookClient(url: stub.url("/check"), timeout: .seconds(2))
        #expect(await client.decide(request(token: "good")) == .allow)
        #expect(await client.decide(request(token: "bad")) == .deny(.webhookDenied))
        #expect(await client.decide(request(token: nil)) == .deny(.webhookDenied))
        let slow = AuthWebhookClient(url: stub.url("/slow"), timeout: .milliseconds(300))
        let started = ContinuousClock.now
        #expect(await slow.decide(request(token: "good")) == .deny(.webhookFailed))
        #expect(ContinuousClock.now - started < .seconds(2))
        let closed = AuthWebhookClient(url: URL(string: "http://127.0.0.1:1/check")!, timeout: .seconds(1))
        #expect(await closed.decide(request(token: "good")) == .deny(.webhookFailed))
    }

    @Test func failedAttemptsAreLimitedWithoutAskingTheWebhookAndAllowsAreCached() async throws {
        let stub = try WebhookStub()
        var settings = HTTPSettings()
        settings.auth.webhookURL = stub.url("/check")
        settings.auth.webhookCacheLifetime = .seconds(30)
        settings.auth.failures = .init(maxFailures: 2, window: .seconds(60), maxClients: 16)
        let authorizer = try await GatewayAuthorizer.make(settings, logger: Logger(label: "test"))
        #expect(await authorizer.authorize(request(token: "good")) == .allow)
        #expect(await authorizer.authorize(request(token: "good")) == .allow)   // cached
        #expect(try await stub.count() == 1)
        #expect(await authorizer.authorize(request(token: "bad")) == .deny(.webhookDenied))
        #expect(await authorizer.authorize(request(token: "bad")) == .deny(.webhookDenied))   // at the cap
        #expect(try await stub.count() == 3)
        #expect(await authorizer.authorize(request(token: "bad")) == .deny(.rateLimited))     // one past: not asked
        #expect(await authorizer.authorize(request(token: "good")) == .deny(.rateLimited))
        #expect(try await stub.count() == 3)
        #expect(authorizer.retryAfterSeconds("127.0.0.1") > 0)
    }
}
