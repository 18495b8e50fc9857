import Foundation
import Testing

extension InteropSuite {
    /// `http: { maxConnections, idleTimeout }`: at the cap a new client is served at once; one past
    /// it, the new client waits until the idle timeout has closed an idle connection.
    @Suite("HTTP connection cap and idle timeout")
    struct HTTPLimitsTests {
        struct Outcome: Decodable {
            var answered: Bool
            var seconds: Double
            var idle_closed_before_answer: Int
            var idle_open_at_answer: Int
        }

        @Test("2 connections allowed, idle ones closed after 1 s: at the cap and one past it",
              .requires(.root, .ip, .gateway, .python), .timeLimit(.minutes(1)))
        func capAndIdleTimeout() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let config = scope.file("limits.yml")
            try "http: { maxConnections: 2, idleTimeout: 1 }\n".write(toFile: config, atomically: true, encoding: .utf8)
            let gateway = try await scope.startGateway(["--config", config])
            try await scope.waitUntilReady(gateway, path: "demo")
            let port = try #require(URL(string: gateway.httpBase)?.port)

            func probe(idle: Int) async throws -> Outcome {
                let process = try scope.start("http-conn-cap", [
                    scope.environment.python, scope.environment.script("http-conn-cap.py"), "127.0.0.1", String(port),
                    String(idle),
                ])
                #expect(try await process.waitForExit(timeout: .seconds(30)) == 0, "\(process.logTail())")
                let line = try #require(process.lines().last, "no output: \(process.logTail())")
                return try JSONDecoder().decode(Outcome.self, from: Data(line.utf8))
            }

            // At the cap: one idle connection plus the probe. Served at once, the idle one still open.
            let atCap = try await probe(idle: 1)
            #expect(atCap.answered && atCap.idle_open_at_answer == 1, "\(atCap)")
            // One past: two idle connections fill the cap; the probe waits for the idle timeout.
            let pastCap = try await probe(idle: 2)
            #expect(pastCap.answered, "\(pastCap)")
            #expect(pastCap.idle_closed_before_answer >= 1, "served while the cap was full: \(pastCap)")
            #expect(gateway.process.isRunning)
        }
    }
}
