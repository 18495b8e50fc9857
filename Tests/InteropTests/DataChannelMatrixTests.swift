import Foundation
import Testing

extension InteropSuite.DataChannelTests {
    /// The channel matrix of issue #9: on a WHEP viewer and on a WHIP publisher, Chromium opens an
    /// ordered, an unordered and two partially reliable channels (maxRetransmits, maxPacketLifeTime)
    /// and sends 1,000 messages on each (0 B to 65,507 B — the largest UDP payload —, string and
    /// binary, empty ones included) to a UDP echo device through `rtcbridge --data`; the device
    /// checks each byte for byte and sends it back, and the gateway delivers every echo on each of
    /// the session's channels, where Chromium checks them again (order on ordered channels).
    static func runMatrix(endpointPath: String, gatewayArguments: [String], port: Int, readyPath: String?) async throws {
        let scope = try InteropScope()
        defer { scope.tearDown() }
        let count = 1_000
        let gateway = try await scope.startGateway(gatewayArguments + ["--data", "\(endpointPath)=udp://127.0.0.1:\(port)?reply=127.0.0.1:\(port + 1)"])
        if let readyPath { try await scope.waitUntilReady(gateway, path: readyPath) }
        let device = try scope.start("echo-device", [
            scope.environment.python, scope.environment.script("udp-echo-device.py"), String(port + 1), "127.0.0.1", String(port),
            "--count", String(count), "--timeout", "55",
        ])
        _ = try await device.waitForLine(timeout: .seconds(10), what: "the device listening") { $0.hasPrefix("listening") }
        let started = ContinuousClock.now
        let report = try await scope.runBrowser(["data-matrix", gateway.url("/\(endpointPath)/\(readyPath == nil ? "whip" : "whep")"),
                                                 "--count", String(count)], timeout: .seconds(55))
        let deviceStatus = try await device.waitForExitOrTerminate(timeout: .seconds(10))
        let deviceReport = try InteropSuite.DataChannelTests.lastJSON(device)
        print("data matrix (\(readyPath == nil ? "WHIP" : "WHEP")): \(ContinuousClock.now - started) browser \(report.json)")
        print("data matrix: device \(deviceReport)")
        #expect(report.ok, "\(report.json)\n\(gateway.process.logTail())")
        #expect(report.json.contains("\"sent\": \(4 * count)"), "\(report.json)")
        // The device received every message of every channel intact, in order on the ordered ones.
        #expect(deviceStatus == 0, "\(deviceReport)")
        #expect(deviceReport["received"] as? Int == 4 * count && deviceReport["missing"] as? Int == 0, "\(deviceReport)")
        #expect(deviceReport["bad"] as? Int == 0 && deviceReport["dups"] as? Int == 0, "\(deviceReport)")

        // The path's counters agree: 4,000 datagrams each way, nothing refused or dropped.
        let response = try await scope.http("GET", gateway.url("/api/stats"))
        let stats = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        let path = (stats?["paths"] as? [[String: Any]])?.first { $0["name"] as? String == endpointPath }
        let data = try #require(path?["data"] as? [String: Any], "\(response.body)")
        let udp = try #require(data["udp"] as? [String: Any])
        #expect(udp["datagramsOut"] as? Int == 4 * count && udp["datagramsIn"] as? Int == 4 * count, "\(udp)")
        #expect(data["rejected"] as? Int == 0 && data["dropped"] as? Int == 0, "\(data)")
        #expect(gateway.process.isRunning)
    }

    @Test("Channel matrix on a WHEP session: ordered, unordered, maxRetransmits, maxPacketLifeTime × 1,000 messages each way",
          .requires(InteropTool.browserAgainstGateway + [.curl, .python]), .timeLimit(.minutes(2)))
    func matrixOnWHEP() async throws {
        try await Self.runMatrix(endpointPath: "cam", gatewayArguments: ["--path", "cam=demo"], port: 7010, readyPath: "cam")
    }

    @Test("Channel matrix on a WHIP session: ordered, unordered, maxRetransmits, maxPacketLifeTime × 1,000 messages each way",
          .requires(InteropTool.browserAgainstGateway + [.curl, .python]), .timeLimit(.minutes(2)))
    func matrixOnWHIP() async throws {
        try await Self.runMatrix(endpointPath: "live", gatewayArguments: ["--path", "live=publisher"], port: 7012, readyPath: nil)
    }
}
