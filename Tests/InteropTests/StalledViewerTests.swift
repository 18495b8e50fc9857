import Foundation
import Testing

extension InteropSuite {
    /// Issue #8, fault scenario "one stalled viewer": a viewer that stops reading and answering
    /// must cost the others nothing (release gateway, `RTCBridgeLoad --stall 1`).
    @Suite("One stalled viewer")
    struct StalledViewerTests {
        @Test("19 load viewers keep ≥ 99 % delivery while a 20th stops reading and answering",
              .requires(InteropTool.loadAgainstReleaseGateway), .timeLimit(.minutes(3)))
        func othersKeepDelivery() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let (camera, gateway) = try await scope.startCameraAndReleaseGateway()

            let run = try await scope.runLoadGenerator(gateway, path: "cam", [
                "--viewers", "20", "--stall", "1", "--warmup", "2", "--hold", "10", "--connect-timeout", "30",
            ])
            print("stalled viewer:\n\(run.output)")
            let connected = try #require(run.figure("connected"))
            let lossPercent = try #require(run.figure("lossPercent"))
            #expect(run.figure("stalled") == 1, "the stalled viewer never connected")
            #expect(connected == 19, "\(Int(connected)) of the 19 other viewers connected")
            #expect(lossPercent <= 1, "the other viewers lost \(lossPercent) % (limit 1 %)")
            #expect((run.figure("perViewerRate") ?? 0) > 50, "hardly any media reached the viewers")
            #expect(run.figure("verifyFailures") == 0)
            #expect(camera.isRunning, "ffmpeg ended early: \(camera.logTail())")
            #expect(gateway.process.isRunning, "the gateway died: \(gateway.process.logTail())")
        }
    }
}
