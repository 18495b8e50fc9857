import Foundation
import Testing

extension InteropSuite {
    /// Simulcast from a browser publisher (`--simulcast`): the gateway accepts three VP8 layers and
    /// publishes each as its own track; a viewer gets the top layer.
    @Suite("Simulcast")
    struct SimulcastTests {
        /// One layer as the publisher's getStats saw it at the end.
        struct Layer: Decodable, Sendable {
            let rid: String?
            let width: Int?
            let height: Int?
            let bytesSent: Int?
            let framesEncoded: Int?
        }

        struct Layers: Decodable, Sendable { let layers: [Layer]? }
        struct Freezes: Decodable, Sendable { let freezeCount: Int? }

        @Test("Chromium publishes 3 VP8 layers (q/h/f) from 1280x720 over WHIP; an unconstrained viewer decodes 720p with audio",
              .requires(InteropTool.browserAgainstGateway + [.ffmpeg]), .timeLimit(.minutes(3)))
        func unconstrainedViewerGetsTheTopLayer() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let clip = try await scope.noiseClip720p()
            let gateway = try await scope.startGateway(["--path", "live=publisher", "--simulcast"])
            let publisher = try scope.startBrowser([
                "whip", gateway.url("/live/whip"), "--codec", "VP8", "--width", "1280", "--height", "720",
                "--content-hint", "detail", "--simulcast",
                "--fake-video", clip, "--seconds", "16", "--timeout", "60",
            ])
            try await scope.waitForPublishedMedia(gateway, path: "live",
                                                  publisher: BrowserPublisher(process: publisher, stopFile: scope.file("unused")))
            let viewer = try await scope.runBrowser(["whep", gateway.url("/live/whep"), "--seconds", "6"])
            _ = try await publisher.waitForExit(timeout: .seconds(60))
            let published = try BrowserReport.parse(from: publisher)
            let layers = try JSONDecoder().decode(Layers.self, from: Data(published.json.utf8)).layers ?? []
            let freezes = try JSONDecoder().decode(Freezes.self, from: Data(viewer.json.utf8)).freezeCount
            print("simulcast publisher layers: " + layers.map {
                "\($0.rid ?? "?") \($0.width ?? 0)x\($0.height ?? 0) \($0.bytesSent ?? 0) B \($0.framesEncoded ?? 0) frames"
            }.joined(separator: ", "))
            print("viewer: framesDecoded=\(viewer.framesDecoded ?? 0) \(viewer.width ?? 0)x\(viewer.height ?? 0) "
                + "audioPackets=\(viewer.audioPackets ?? 0) packetsLost=\(viewer.packetsLost ?? -1) freezeCount=\(freezes ?? -1)")

            #expect(published.ok, "\(published.json)")
            #expect(Set(layers.compactMap(\.rid)) == ["q", "h", "f"], "\(published.json)")
            #expect(layers.allSatisfy { ($0.framesEncoded ?? 0) > 0 }, "\(published.json)")
            #expect(viewer.ok && (viewer.framesDecoded ?? 0) > 60, "\(viewer.json)")
            #expect(viewer.codec == "video/VP8" && viewer.width == 1280 && viewer.height == 720, "\(viewer.json)")
            #expect((viewer.audioPackets ?? 0) > 100, "\(viewer.json)")
        }
    }
}
