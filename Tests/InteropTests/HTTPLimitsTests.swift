import Foundation
import Testing

extension InteropSuite {
    /// `http: { maxConnections, idleTimeout }`: at the cap a new client is served at once; one past
    /// it, one of the three connections is closed at once (the connections are set up on several
    /// event loops, so which one is not fixed): never more than the cap are open. The idle timeout
    /// closes idle connections, and then new clients are served again.
    @Suite("HTTP connection cap and idle timeout")
    struct HTTPLimitsTests {
        struct Outcome: Decodable {
            var answered: Bool
            var refused: Bool
            var seconds: Double
            var idle_open_at_answer: Int
            var idle_closed_after: Double?
        }

        @Test("2 connections allowed, idle ones closed after 3 s: at the cap and one past it",
              .requires(.root, .ip, .gateway, .python), .timeLimit(.minutes(1)))
        func capAndIdleTimeout() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let config = scope.file("limits.yml")
            try "http: { maxConnections: 2, idleTimeout: 3 }\n".write(toFile: config, atomically: true, encoding: .utf8)
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
            // One past: two idle connections and the probe. Long before the 3 s idle timeout, either
            // the probe was refused with both idle ones open, or it was served and one idle
            // connection had been closed: two open at most.
            let pastCap = try await probe(idle: 2)
            #expect(pastCap.seconds < 2, "\(pastCap)")
            let refusedProbe = pastCap.refused && pastCap.idle_open_at_answer == 2
            let refusedIdle = pastCap.answered && pastCap.idle_open_at_answer == 1
            #expect(refusedProbe || refusedIdle, "three connections were open at once: \(pastCap)")
            // The idle timeout closes the idle ones, within the script's 10 s.
            #expect(pastCap.idle_closed_after.map { $0 >= 2.5 } == true, "idle connections: \(pastCap)")
            // With the cap free again, a client is served.
            let after = try await probe(idle: 0)
            #expect(after.answered, "\(after)")
            #expect(gateway.process.isRunning)
        }
            @Test("webrtc.maxSessionsPerClient: the client's sessions up to the quota get 201, one past it 429; DELETE frees a slot",
              .requires(.root, .ip, .gateway, .curl), .timeLimit(.minutes(1)))
        func perClientSessionQuota() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let config = scope.file("quota.yml")
            try "webrtc: { maxSessionsPerClient: 2 }\n".write(toFile: config, atomically: true, encoding: .utf8)
            let gateway = try await scope.startGateway(["--config", config])
            try await scope.waitUntilReady(gateway, path: "demo")
            let whep = gateway.url("/demo/whep")
            let sdpType = ["Content-Type": "application/sdp"]
            let offer = Data(SampleOffers.recvonly.utf8)
            var resources: [String] = []
            for _ in 0..<2 {
                let created = try await scope.http("POST", whep, headers: sdpType, body: offer)
                #expect(created.status == 201, "\(created.status) \(created.body)")
                if let location = created.header("Location"), let url = URL(string: location, relativeTo: URL(string: whep)) {
                    resources.append(url.absoluteString)
                }
            }
            let refused = try await scope.http("POST", whep, headers: sdpType, body: offer)
            #expect(refused.status == 429, "\(refused.status) \(refused.body)")
            #expect(refused.header("Retry-After") != nil)
            #expect(refused.body.contains("too many sessions from this client"), "\(refused.body)")
            let deleted = try await scope.http("DELETE", try #require(resources.first))
            #expect(deleted.status == 200 || deleted.status == 204)
            let again = try await scope.http("POST", whep, headers: sdpType, body: offer)
            #expect(again.status == 201, "a freed slot admits the client again: \(again.status) \(again.body)")
            #expect(gateway.process.isRunning)
        }
    }
}
