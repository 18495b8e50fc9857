import Foundation
import Testing

extension InteropSuite {
    /// `rtcbridge serve` with no `--path` and no config file serves the embedded demo as `demo`
    /// (the README's first command).
    @Suite("Default path")
    struct DefaultPathTests {
        @Test("No --path: path `demo` exists, is the only one, and is ready",
              .requires(.root, .ip, .gateway, .curl), .timeLimit(.minutes(1)))
        func demoIsTheDefault() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startGateway()
            #expect(gateway.process.text(.stdout).contains("/demo/"),
                    "the ready output names the demo page: \(gateway.process.logTail())")
            let stats = try await scope.waitUntilReady(gateway, path: "demo")
            #expect(stats.paths.map(\.name) == ["demo"])
            #expect(stats.path("demo")?.readers == 0)

            let created = try await scope.http("POST", gateway.url("/demo/whep"),
                                               headers: ["Content-Type": "application/sdp"],
                                               body: Data(SampleOffers.recvonly.utf8))
            #expect(created.status == 201, "\(created.body)")
            #expect(created.header("Link") == nil, "no ICE servers configured, yet: \(created.header("Link") ?? "")")
        }
    }
}
