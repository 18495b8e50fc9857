import Foundation
import Testing

extension InteropSuite {
    /// Issue #9's IoT path end to end: a UDP "device" (udp-data-device.py) and headless Chromium
    /// exchange messages through `rtcbridge --data`, while Chromium keeps decoding the path's video.
    @Suite("Data channels")
    struct DataChannelTests {
        /// The last JSON object line of a finished process's stdout.
        static func lastJSON(_ process: ManagedProcess) throws -> [String: Any] {
            guard let line = process.lines().last(where: { $0.hasPrefix("{") }),
                  let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw InteropError.unexpectedOutput(what: "a JSON line", output: process.logTail())
            }
            return object
        }

        @Test("UDP device ⇄ rtcbridge --data ⇄ Chromium data channel, with video decoding",
              .requires(InteropTool.browserAgainstGateway + [.curl, .python]), .timeLimit(.minutes(2)))
        func deviceToChromiumAndBack() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startGateway(["--path", "cam=demo", "--data", "cam=udp://127.0.0.1:7000"])
            try await scope.waitUntilReady(gateway, path: "cam")

            // 100 datagrams/s (every 4th binary, 200 bytes); it stops 300 datagrams after the
            // browser's 10 replies arrived.
            let device = try scope.start("udp-device", [
                scope.environment.python, scope.environment.script("udp-data-device.py"), "127.0.0.1", "7000",
                "--rate", "100", "--replies", "10", "--after-replies", "300", "--timeout", "60",
            ])
            let browser = try scope.startBrowser(["whep-data", gateway.url("/cam/whep"), "--expect", "200", "--send", "10",
                                                  "--seconds", "3", "--timeout", "50"])
            _ = try await browser.waitForExit(timeout: .seconds(75))
            let report = try Self.lastJSON(browser)
            let deviceStatus = try await device.waitForExit(timeout: .seconds(60))
            let deviceReport = try Self.lastJSON(device)
            print("data channel: browser \(report)")
            print("data channel: device sent=\(deviceReport["sent"] ?? "?") replies=\(deviceReport["replies"] ?? "?")")

            #expect(report["ok"] as? Bool == true, "\(report)\n\(browser.logTail())")
            #expect((report["offerHasData"] as? Bool) == true)
            let received = report["received"] as? Int ?? 0
            let strings = report["strings"] as? Int ?? 0, binaries = report["binaries"] as? Int ?? 0
            #expect(received >= 200 && strings > 0 && binaries > 0 && strings + binaries == received, "\(report)")
            // Every datagram is one message, in order, none lost once the channel is open.
            #expect(report["seqGaps"] as? Int == 0, "\(report)")
            let samples = report["samples"] as? [[String: Any]] ?? []
            #expect(samples.contains { ($0["string"] as? String)?.contains("\"temp\": 21.5") == true }, "\(samples)")
            #expect(samples.contains { ($0["binary"] as? String)?.hasPrefix("ff") == true && $0["length"] as? Int == 200 },
                    "\(samples)")
            #expect((report["framesDecoded"] as? Int ?? 0) > 0, "video must keep decoding")
            if let latency = report["latencyMs"] as? [String: Any] {
                print("data channel: device → browser latency p50=\(latency["p50"] ?? "nil") ms "
                    + "p99=\(latency["p99"] ?? "nil") ms over \(latency["count"] ?? 0) messages")
            }

            // The browser's 10 messages reached the device as 10 datagrams at its address.
            #expect(deviceStatus == 0, "\(device.logTail())")
            let texts = deviceReport["texts"] as? [String] ?? [], replyBinaries = deviceReport["binaries"] as? [String] ?? []
            #expect(texts == ["cmd-0", "cmd-2", "cmd-4", "cmd-6", "cmd-8"], "\(deviceReport)")
            #expect(replyBinaries == ["c00100", "c00300", "c00500", "c00700", "c00900"], "\(deviceReport)")
            #expect(deviceReport["replyFrom"] as? String == "127.0.0.1:7000")

            // Counters in /api/stats.
            let response = try await scope.http("GET", gateway.url("/api/stats"))
            let stats = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
            let cam = (stats?["paths"] as? [[String: Any]])?.first { $0["name"] as? String == "cam" }
            let data = try #require(cam?["data"] as? [String: Any], "\(response.body)")
            let udp = try #require(data["udp"] as? [String: Any])
            print("data channel: /api/stats data=\(data)")
            #expect((udp["datagramsIn"] as? Int ?? 0) >= received)
            #expect(udp["datagramsOut"] as? Int == 10)
            #expect(data["rejected"] as? Int == 0)
            #expect(gateway.process.isRunning)
        }
    }
}

extension InteropSuite.DataChannelTests {
    @Test("WHIP publisher's data channel ⇄ rtcbridge --data ⇄ UDP device",
          .requires(InteropTool.browserAgainstGateway + [.curl, .python]), .timeLimit(.minutes(2)))
    func publisherChannelReachesTheDevice() async throws {
        let scope = try InteropScope()
        defer { scope.tearDown() }
        let gateway = try await scope.startGateway(["--path", "live=publisher", "--data", "live=udp://127.0.0.1:7001"])
        // The device starts first: its datagrams reach the publisher once its channel is open.
        let device = try scope.start("udp-device", [
            scope.environment.python, scope.environment.script("udp-data-device.py"), "127.0.0.1", "7001",
            "--rate", "50", "--replies", "5", "--after-replies", "50", "--timeout", "60",
        ])
        let report = try await scope.runBrowser(["whip", gateway.url("/live/whip"), "--seconds", "4", "--data-send", "5"])
        let deviceStatus = try await device.waitForExit(timeout: .seconds(60))
        let deviceReport = try Self.lastJSON(device)
        print("data channel (WHIP): browser \(report.json)")
        #expect(report.ok, "\(report.json)")
        #expect(report.json.contains("\"dataSent\": 5"), "\(report.json)")
        let received = report.json.firstMatch(of: /"dataReceived": (\d+)/).flatMap { Int($0.1) } ?? 0
        #expect(received > 0, "the device's datagrams did not reach the publisher: \(report.json)")
        #expect(deviceStatus == 0, "\(device.logTail())")
        #expect(deviceReport["texts"] as? [String] == ["pub-0", "pub-1", "pub-2", "pub-3", "pub-4"], "\(deviceReport)")
        #expect(gateway.process.isRunning)
    }
}

extension InteropSuite.DataChannelTests {
    @Test("The player page shows the path's data messages and sends from its box",
          .requires(InteropTool.browserAgainstGateway + [.curl, .python]), .timeLimit(.minutes(2)))
    func playerPageDataPanel() async throws {
        let scope = try InteropScope()
        defer { scope.tearDown() }
        let gateway = try await scope.startGateway(["--path", "cam=demo", "--data", "cam=udp://127.0.0.1:7002"])
        try await scope.waitUntilReady(gateway, path: "cam")
        let device = try scope.start("udp-device", [
            scope.environment.python, scope.environment.script("udp-data-device.py"), "127.0.0.1", "7002",
            "--rate", "20", "--replies", "1", "--after-replies", "20", "--timeout", "60",
        ])
        let report = try await scope.runBrowser(["page", gateway.url("/cam/"), "--seconds", "3"])
        let deviceStatus = try await device.waitForExit(timeout: .seconds(60))
        let deviceReport = try Self.lastJSON(device)
        print("data channel (player page): \(report.json)")
        #expect(report.ok, "\(report.json)")
        #expect(report.json.contains("\"dataPanel\": true") && report.json.contains("\"dataSent\": true"), "\(report.json)")
        #expect(deviceStatus == 0, "\(device.logTail())")
        #expect(deviceReport["texts"] as? [String] == ["hello-from-player"], "\(deviceReport)")
    }
}
