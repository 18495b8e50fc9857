import Foundation
import Testing

extension InteropSuite {
    /// `bridges/iot-device`: the gateway started from the recipe's own YAML (its ports, in the test's
    /// namespace), `examples/iot-device/device.py` sending MPEG-TS video and telemetry, and headless
    /// Chromium on `/cam/whep` with a data channel: it decodes the video, receives telemetry, and its
    /// commands reach the simulator.
    @Suite("IoT device recipe")
    struct IoTDeviceRecipeTests {
        @Test("bridges/iot-device: simulator video + telemetry → Chromium, its commands → the simulator",
              .requires(InteropTool.browserAgainstGateway + [.ffmpeg, .curl, .python]), .timeLimit(.minutes(2)))
        func recipe() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let root = scope.environment.packageRoot
            let gateway = try await scope.startGateway(exactly: ["--config", root + "/bridges/iot-device/rtcbridge.yml",
                                                                 "--log-level", "info"])
            #expect(gateway.httpBase == "http://0.0.0.0:8889" || gateway.httpBase.hasSuffix(":8889"), "\(gateway.httpBase)")
            let ffmpeg = try #require(scope.environment.ffmpeg)
            let device = try scope.start("iot-device", [scope.environment.python, root + "/examples/iot-device/device.py",
                                                        "--seconds", "60", "--ffmpeg", ffmpeg])
            defer { device.terminate() }
            let base = "http://127.0.0.1:8889"
            try await scope.waitUntilReady(GatewayProcess(process: gateway.process, httpBase: base, webrtcPort: gateway.webrtcPort),
                                           path: "cam", timeout: .seconds(30))
            let browser = try scope.startBrowser(["whep-data", base + "/cam/whep", "--expect", "20", "--send", "2",
                                                  "--seconds", "3", "--timeout", "50"])
            _ = try await browser.waitForExit(timeout: .seconds(75))
            let report = try InteropSuite.DataChannelTests.lastJSON(browser)
            print("iot recipe: browser \(report)")
            #expect(report["ok"] as? Bool == true, "\(report)\n\(browser.logTail())\n\(gateway.process.logTail())")
            #expect((report["framesDecoded"] as? Int ?? 0) > 0, "video must decode")
            let samples = report["samples"] as? [[String: Any]] ?? []
            #expect(samples.contains { ($0["string"] as? String)?.contains("\"humidity\"") == true }, "\(samples)")
            #expect(report["seqGaps"] as? Int == 0, "\(report)")
            // The two commands (string "cmd-0", binary C0 01 00) reached the simulator.
            _ = try await device.waitForLine(timeout: .seconds(10), what: "the binary command") { $0 == "command: hex=c00100" }
            #expect(device.lines().contains("command: cmd-0"), "\(device.logTail())")
            #expect(gateway.process.isRunning)
        }
    }
}
