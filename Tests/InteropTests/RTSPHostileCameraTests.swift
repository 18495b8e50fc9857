import Foundation
import Testing

extension InteropSuite {
    /// A scripted, hostile RTSP "camera" (`Scripts/fake-rtsp-camera.py`) on five paths at once:
    /// truncated headers, negative and huge Content-Length, 10,000 headers, and garbage with
    /// unknown channel ids between interleaved frames after PLAY. The client must fail cleanly
    /// or resync and retry, memory must stay bounded, and another path must be unaffected.
    @Suite("Hostile RTSP camera")
    struct RTSPHostileCameraTests {
        @Test("Broken camera responses fail cleanly; the gateway and another path carry on",
              .requires(.root, .ip, .gateway, .curl), .timeLimit(.minutes(2)))
        func hostileCameras() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let modes = ["truncated": 9101, "negative": 9102, "huge": 9103, "headers": 9104, "garbage": 9105]
            let camera = try scope.start("fake-camera", ["/usr/bin/python3", scope.environment.script("fake-rtsp-camera.py")]
                                            + modes.sorted { $0.value < $1.value }.map { "\($0.key):\($0.value)" })
            try await camera.waitForLine(.stdout, timeout: .seconds(10), what: "READY") { $0 == "READY" }
            var arguments = ["--path", "demo=demo", "--rtsp", "off"]
            for (mode, port) in modes.sorted(by: { $0.value < $1.value }) {
                arguments += ["--path", "\(mode)=rtsp://user:hostilePass@127.0.0.1:\(port)/x"]
            }
            let gateway = try await scope.startGateway(arguments)
            try await scope.waitUntilReady(gateway, path: "demo")

            // Every camera is tried, fails, and is retried (backoff), for 8 seconds.
            for mode in modes.keys {
                try await camera.waitForLine(.stdout, timeout: .seconds(15), what: "\(mode) retried") { _ in
                    camera.lines(.stdout).filter { $0 == "CLIENT \(mode) connected" }.count >= 2
                }
            }
            try await Task.sleep(for: .seconds(3))   // let the garbage stream run (time, not synchronisation)
            #expect(gateway.process.isRunning)

            // Bounded memory: the gateway's resident size stays modest despite 10,000 headers,
            // a 1 GB Content-Length and endless garbage.
            let status = (try? String(contentsOfFile: "/proc/\(gateway.process.pid)/status", encoding: .utf8)) ?? ""
            let rssKiB = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
                .flatMap { Int($0.split(whereSeparator: \.isWhitespace).dropFirst().first ?? "") } ?? 0
            print("hostile RTSP cameras: gateway VmRSS=\(rssKiB) KiB")
            #expect(rssKiB > 0 && rssKiB < 400_000, "VmRSS \(rssKiB) KiB")

            // Clear failures in the log, and never the password.
            let log = gateway.process.text(.stdout) + gateway.process.text(.stderr)
            #expect(!log.contains("hostilePass"))
            #expect(log.contains("user:***@127.0.0.1"), "the camera URL should appear redacted")

            // The other path is unaffected: a WHEP offer on demo still gets an answer.
            let answer = try await scope.http("POST", gateway.url("/demo/whep"), headers: ["Content-Type": "application/sdp"],
                                              body: Data(SampleOffers.recvonly.utf8))
            #expect(answer.status == 201, "\(answer.status) \(answer.body)")
            let stats = try await scope.stats(of: gateway)
            #expect(stats.path("demo")?.ready == true)
            for mode in ["truncated", "negative", "huge", "headers"] {
                #expect(stats.path(mode)?.ready != true, "\(mode) must not become ready")
            }
            #expect(gateway.process.isRunning)
        }
    }
}
