import Foundation
import Testing

extension InteropSuite {
    /// A browser publishing over WHIP ramps up because the gateway sends it bandwidth feedback
    /// (transport-wide congestion control feedback, REMB carrying the configured cap).
    @Suite("WHIP publisher bandwidth feedback")
    struct PublishBitrateTests {
        /// One sample of `browser.py whip`'s curve: the video send rate over the last second.
        struct Sample: Decodable, Sendable {
            let t: Int
            let kbps: Int
            let targetKbps: Int
            let width: Int
            let height: Int
        }

        struct Curve: Decodable, Sendable { let curve: [Sample]? }

        @Test("Chromium publishing 1280x720 over WHIP reaches ≥ 2 Mbit/s within 10 s, and a viewer still plays it",
              .requires(InteropTool.browserAgainstGateway + [.ffmpeg]), .timeLimit(.minutes(3)))
        func publisherRampsUp() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            // A looped 720p clip with noise (`noiseClip720p`); `contentHint = detail` keeps
            // 1280x720 while the estimate is still low, so the encoder is not capped by a
            // downscaled size.
            let clip = try await scope.noiseClip720p()

            let gateway = try await scope.startGateway(["--path", "live=publisher"])
            let publisher = try scope.startBrowser([
                "whip", gateway.url("/live/whip"), "--codec", "VP8", "--width", "1280", "--height", "720",
                "--content-hint", "detail",
                "--fake-video", clip, "--seconds", "14", "--timeout", "60",
            ])
            try await scope.waitForPublishedMedia(gateway, path: "live",
                                                  publisher: BrowserPublisher(process: publisher, stopFile: scope.file("unused")))
            // A viewer watching while the publisher ramps up gets the 720p video intact.
            let viewer = try await scope.runBrowser(["whep", gateway.url("/live/whep"), "--seconds", "4"])
            _ = try await publisher.waitForExit(timeout: .seconds(60))
            let published = try BrowserReport.parse(from: publisher)
            let curve = try JSONDecoder().decode(Curve.self, from: Data(published.json.utf8)).curve ?? []
            let reached = curve.first { $0.kbps >= 2000 }
            print("WHIP 1280x720 VP8 ramp-up (t ms: sent kbit/s / target kbit/s): "
                + curve.map { "\($0.t): \($0.kbps)/\($0.targetKbps)" }.joined(separator: ", ")
                + " → ≥ 2 Mbit/s at \(reached.map { "\($0.t) ms" } ?? "never")")
            print("viewer: framesDecoded=\(viewer.framesDecoded ?? 0) \(viewer.width ?? 0)x\(viewer.height ?? 0) "
                + "packetsLost=\(viewer.packetsLost ?? -1)")

            #expect(published.ok, "\(published.json)")
            #expect(curve.first?.width == 1280 && curve.first?.height == 720, "\(published.json)")
            #expect(curve.count >= 10, "\(published.json)")
            #expect((reached?.t ?? .max) <= 10_500, "never reached 2 Mbit/s within 10 s: \(published.json)")
            // The encoder's target (what the bandwidth estimate allows) got there too.
            #expect(curve.contains { $0.t <= 10_500 && $0.targetKbps >= 2000 }, "\(published.json)")
            #expect(viewer.ok && (viewer.framesDecoded ?? 0) > 60, "\(viewer.json)")
            #expect(viewer.codec == "video/VP8" && viewer.width == 1280 && viewer.height == 720, "\(viewer.json)")
            let log = gateway.process.text(.stdout) + gateway.process.text(.stderr)
            #expect(log.contains("transportWideFeedback="), "\(gateway.process.logTail())")
        }
    }
}
