import Foundation
import Testing

extension InteropSuite {
    /// The gateway's own web pages: `/{path}/` (player.html + /static/player.js) and `/` (index).
    @Suite("Player page")
    struct PlayerPageTests {
        @Test("/demo/ plays in headless Chromium within 15 s",
              .requires(InteropTool.browserAgainstGateway + [.curl]), .timeLimit(.minutes(2)))
        func playerPagePlays() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startGateway(["--path", "demo=demo"])
            try await scope.waitUntilReady(gateway, path: "demo")

            // ok = the page's <video> has videoWidth > 0 and its currentTime advanced by 2 s.
            let report = try await scope.runBrowser(["page", gateway.url("/demo/"), "--seconds", "2"],
                                                    timeout: .seconds(15))
            #expect(report.ok, "\(report.json)")
            #expect((report.videoWidth ?? 0) > 0)
            #expect((report.advanced ?? 0) >= 2)
            print("player page: \(report.videoWidth ?? 0)x\(report.videoHeight ?? 0) status=\(report.status ?? "nil")")
        }

        @Test("The pages and their script are served",
              .requires(.root, .ip, .gateway, .curl), .timeLimit(.minutes(1)))
        func pagesAreServed() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startGateway(["--path", "demo=demo"])

            let player = try await scope.http("GET", gateway.url("/demo/"))
            #expect(player.status == 200)
            #expect(player.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(player.body.contains("<video") && player.body.contains("/static/player.js"))

            let script = try await scope.http("GET", gateway.url("/static/player.js"))
            #expect(script.status == 200)
            #expect(script.body.contains("whep"))

            let index = try await scope.http("GET", gateway.url("/"))
            #expect(index.status == 200)
            #expect(index.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(index.body.contains("/api/stats"))
        }
    }
}
