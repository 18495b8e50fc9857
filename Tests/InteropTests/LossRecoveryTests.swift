import Foundation
import Testing

extension InteropSuite {
    /// Loss recovery on an impaired link (issue #11): `Scripts/impair-relay.py` sits between
    /// Chromium and the gateway (the gateway advertises the relay's port as its only candidate) and
    /// drops RTP/RTCP at random with a seeded generator; ICE and DTLS pass untouched.
    @Suite("Loss recovery through an impairment relay (Chromium)")
    struct LossRecoveryTests {
        /// A relay started with `arguments` (`--down SPEC`, `--up SPEC`) and its port.
        static func startRelay(_ scope: InteropScope, seconds: Int, _ arguments: [String]) async throws
            -> (relay: ManagedProcess, port: Int, control: String) {
            let control = scope.file("impair-\(UUID().uuidString.prefix(8)).control")
            guard FileManager.default.createFile(atPath: control, contents: Data()) else {
                throw InteropError.unexpectedOutput(what: "cannot create", output: control)
            }
            let relay = try scope.start("impair-relay", [
                scope.environment.python, scope.environment.script("impair-relay.py"), "--control", control,
                "--seconds", String(seconds), "--seed", "11",
            ] + arguments)
            let (_, listening) = try await relay.waitForLine(timeout: .seconds(10), what: "listening PORT") {
                $0.hasPrefix("listening ")
            }
            return (relay, try #require(Int(listening.dropFirst("listening ".count))), control)
        }

        /// A number field of a JSON object text (the browser's report, `/api/stats`), by key path.
        static func number(_ json: String, _ path: String...) -> Double? {
            var value = try? JSONSerialization.jsonObject(with: Data(json.utf8))
            for key in path { value = (value as? [String: Any])?[key] }
            return (value as? NSNumber)?.doubleValue
        }

        struct ViewerRun {
            var framesDecoded: Int
            /// Frames decoded in steady playback: after the first second, so the burst of the
            /// cached GOP a viewer starts with (0 to a GOP of frames, by where it joined) is left out.
            var steadyFrames: Int
            var report: String
            var gatewayStats: String
            var relay: [String: Int]
        }

        /// The demo path watched by one Chromium viewer for `seconds` through a relay impairing the
        /// gateway → viewer direction with `down`.
        func watch(down: String, seconds: Int) async throws -> ViewerRun {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let (relay, relayPort, control) = try await Self.startRelay(scope, seconds: seconds + 60, ["--down", down])
            let gateway = try await scope.startGateway(exactly: [
                "--path", "demo=demo", "--cors-origin", "*", "--http", "127.0.0.1:0", "--webrtc-udp", "0",
                "--ice-host", "127.0.0.1:\(relayPort)", "--log-level", "info",
            ])
            try await relay.relayCommand("target 127.0.0.1 \(gateway.webrtcPort)", control: control)
            try await scope.waitUntilReady(gateway, path: "demo")
            let browser = try scope.startBrowser(["whep", gateway.url("/demo/whep"), "--seconds", String(seconds),
                                                  "--timeout", String(seconds + 40)])
            _ = try await browser.waitForExit(timeout: .seconds(seconds + 60))
            let report = try BrowserReport.parse(from: browser)
            #expect(report.ok, "\(report.json)")
            let stats = try await scope.http("GET", gateway.url("/api/stats")).body
            try await relay.relayCommand("counters", control: control)
            let afterFirstSecond = Self.number(report.json, "framesAfterFirstSecond").map { Int($0) }
            let decoded = report.framesDecoded ?? 0
            #expect(afterFirstSecond != nil, "\(report.json)")
            return ViewerRun(framesDecoded: decoded, steadyFrames: decoded - (afterFirstSecond ?? decoded),
                             report: report.json, gatewayStats: stats,
                             relay: relay.relayCounters())
        }

        @Test("5 % random loss towards a Chromium viewer: ≥ 95 % of the loss-free frames decode, NACKs repair it",
              .requires(InteropTool.browserAgainstGateway + [.curl]), .timeLimit(.minutes(4)))
        func viewerRecoversFromFivePercentLoss() async throws {
            let seconds = 12
            let clean = try await watch(down: "", seconds: seconds)
            let lossy = try await watch(down: "loss=0.05", seconds: seconds)
            let nacks = Self.number(lossy.report, "nackCount") ?? -1
            let rtxReceived = Self.number(lossy.report, "retransmittedPacketsReceived") ?? -1
            let freezes = Self.number(lossy.report, "freezeCount") ?? -1
            let retransmissions = Self.number(lossy.gatewayStats, "webrtc", "retransmissions") ?? -1
            let onRTX = Self.number(lossy.gatewayStats, "webrtc", "retransmissionsOnRTX") ?? -1
            let nacksReceived = Self.number(lossy.gatewayStats, "webrtc", "nacksReceived") ?? -1
            let ratio = Double(lossy.steadyFrames) / Double(max(clean.steadyFrames, 1))
            print("loss recovery: frames decoded \(clean.framesDecoded) loss-free, \(lossy.framesDecoded) at 5 % loss; "
                + "after the first second \(clean.steadyFrames) and \(lossy.steadyFrames) "
                + "(\(String(format: "%.1f", ratio * 100)) %); relay dropped \(lossy.relay["down.lost"] ?? -1) of "
                + "\(lossy.relay["down.in"] ?? -1) datagrams; Chromium nackCount=\(Int(nacks)) "
                + "retransmittedPacketsReceived=\(Int(rtxReceived)) freezeCount=\(Int(freezes)); gateway "
                + "nacksReceived=\(Int(nacksReceived)) retransmissions=\(Int(retransmissions)) (on RTX \(Int(onRTX)))")
            #expect(clean.steadyFrames > (seconds - 1) * 20, "\(clean.report)")
            #expect(ratio >= 0.95, "\(lossy.report)")
            #expect((lossy.relay["down.lost"] ?? 0) > 0, "\(lossy.relay)")
            #expect(nacks > 0, "\(lossy.report)")
            #expect(retransmissions > 0 && nacksReceived > 0, "\(lossy.gatewayStats)")
            // RTX negotiated (RFC 4588): the resends travel on the RTX SSRC, and Chromium counts them.
            #expect(onRTX > 0 && onRTX == retransmissions, "\(lossy.gatewayStats)")
            #expect(rtxReceived > 0, "\(lossy.report)")
        }

        @Test("A Chromium viewer that offers red/48000/2 gets Opus in RED (RFC 2198) and decodes the audio",
              .requires(InteropTool.browserAgainstGateway + [.curl]), .timeLimit(.minutes(2)))
        func viewerWithREDDecodesAudio() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startGateway(["--path", "demo=demo"])
            try await scope.waitUntilReady(gateway, path: "demo")
            let report = try await scope.runBrowser(["whep", gateway.url("/demo/whep"), "--seconds", "4", "--audio-stats"])
            let log = gateway.process.text(.stdout) + gateway.process.text(.stderr)
            let created = log.split(separator: "\n").first { $0.contains("session created") && $0.contains("audio:") }
                .map(String.init) ?? ""
            let early = report.audioSamplesEarly ?? 0
            let samples = report.audioSamples ?? 0
            print("RED audio: \(created.contains("+red/") ? "negotiated" : "NOT negotiated") (\(created)); "
                + "audioCodec=\(report.audioCodec ?? "nil") audioPackets=\(report.audioPackets ?? 0) "
                + "totalSamplesReceived \(early) → \(samples) framesDecoded=\(report.framesDecoded ?? 0)")
            #expect(report.ok, "\(report.json)")
            #expect(created.contains("+red/"), "\(gateway.process.logTail())")
            #expect((report.audioPackets ?? 0) > 50, "\(report.json)")
            #expect(["audio/red", "audio/opus"].contains(report.audioCodec ?? ""), "\(report.json)")
            #expect(samples > early + 48_000, "totalSamplesReceived not rising: \(report.json)")
        }
    }
}
