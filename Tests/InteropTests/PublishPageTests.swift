import Foundation
import Testing

extension InteropSuite {
    /// The gateway's publisher page `/{path}/publish` (publish.html + /static/publish.js), driven in
    /// headless Chromium with fake devices, and watched by a second Chromium over WHEP.
    @Suite("Publish page")
    struct PublishPageTests {
        @Test("The publish page and its script are served; the page links the viewer",
              .requires(.root, .ip, .gateway, .curl), .timeLimit(.minutes(1)))
        func pageIsServed() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startGateway(["--path", "live=publisher"])
            let page = try await scope.http("GET", gateway.url("/live/publish"))
            #expect(page.status == 200)
            #expect(page.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(page.body.contains("/static/publish.js") && page.body.contains("<video"), "\(page.body)")
            for control in ["camera", "microphone", "resolution", "codec", "start", "stop", "status", "stats"] {
                #expect(page.body.contains("id=\"\(control)\""), "publish.html has no #\(control)")
            }
            let script = try await scope.http("GET", gateway.url("/static/publish.js"))
            #expect(script.status == 200)
            #expect(script.header("Content-Type")?.hasPrefix("text/javascript") == true)
            #expect(script.body.contains("'whip'") && script.body.contains("setCodecPreferences"))
        }

        /// VP8 is chosen on purpose: the gateway prefers H.264, so a VP8 stream proves that the
        /// page's codec choice reached the offer.
        @Test("Publish from /live/publish (fake camera, VP8 chosen) → Chromium WHEP decodes VP8",
              .requires(InteropTool.browserAgainstGateway + [.curl]), .timeLimit(.minutes(2)))
        func pagePublishes() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startGateway(["--path", "live=publisher"])
            let page = try scope.startPublishPage(gateway.url("/live/publish"), codec: "VP8")
            try await scope.waitForPublishedMedia(gateway, path: "live", publisher: page)

            let viewer = try await scope.runBrowser(["whep", gateway.url("/live/whep"), "--seconds", "3"])
            let published = try await page.finish()
            print("publish page → WHEP: firstFrameMs=\(viewer.firstFrameMs.map(String.init) ?? "nil") "
                + "framesDecoded=\(viewer.framesDecoded ?? 0) codec=\(viewer.codec ?? "nil") "
                + "page: \(published.stats?.replacingOccurrences(of: "\n", with: " | ") ?? "no stats")")

            #expect(viewer.ok, "\(viewer.json)")
            #expect((viewer.framesDecoded ?? 0) > 0, "\(viewer.json)")
            #expect(viewer.codec == "video/VP8", "\(viewer.json)")
            #expect((viewer.audioPackets ?? 0) > 0, "\(viewer.json)")

            #expect(published.ok, "\(published.json)")
            #expect((published.cameras ?? 0) >= 1 && (published.microphones ?? 0) >= 1, "device pickers: \(published.json)")
            let codecs = published.codecs ?? []
            #expect(codecs.contains("H264") && codecs.contains("VP8"), "codec choice: \(codecs)")
            #expect(published.codec == "VP8", "\(published.json)")
            #expect((published.framesEncoded ?? 0) > 0, "\(published.json)")
            #expect(published.videoWidth == 640 && published.videoHeight == 360, "resolution choice: \(published.json)")
            #expect(published.status == "publishing", "\(published.json)")
            #expect(published.statusAfterStop == "stopped", "\(published.json)")
            // Stop DELETEd the resource: the path has no publisher any more.
            #expect(try await scope.waitUntilIdle(gateway, path: "live"), "path still has a publisher after Stop")
        }
    }
}
