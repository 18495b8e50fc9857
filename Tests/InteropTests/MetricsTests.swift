import Foundation
import Testing

extension InteropSuite {
    /// `GET /metrics` against the real binary with a headless Chromium viewer: the exposition is
    /// parsed by prometheus_client's own text parser, the session's counts are cross-checked with
    /// the browser's getStats, and the session's series go when the viewer leaves.
    @Suite("Prometheus /metrics")
    struct MetricsTests {
        static let token = "metrics-t0ken"

        struct Exposition: Decodable {
            struct Sample: Decodable {
                var name: String
                var labels: [String: String]
                var value: Double
                var type: String
            }
            var samples: [Sample]
            var families: Int

            func values(_ name: String, _ labels: [String: String] = [:]) -> [Sample] {
                samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
            }

            func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
                let found = values(name, labels)
                return found.count == 1 ? found[0].value : nil
            }
        }

        /// Scrapes `/metrics` with the token and parses it with prometheus_client (prom-parse.py).
        static func scrape(_ scope: InteropScope, _ gateway: GatewayProcess) async throws -> Exposition {
            let response = try await scope.http("GET", gateway.url("/metrics"), headers: ["Authorization": "Bearer \(token)"])
            guard response.status == 200 else {
                throw InteropError.unexpectedOutput(what: "GET /metrics status \(response.status)", output: response.body)
            }
            let file = scope.file("metrics-\(UUID().uuidString).txt")
            try response.body.write(toFile: file, atomically: true, encoding: .utf8)
            let parser = try scope.start("prom-parse", [scope.environment.python, scope.environment.script("prom-parse.py"), file])
            let status = try await parser.waitForExit(timeout: .seconds(20))
            guard status == 0, let line = parser.lines().last(where: { $0.hasPrefix("{") }) else {
                throw InteropError.unexpectedOutput(what: "prometheus_client could not parse /metrics", output: parser.logTail())
            }
            return try JSONDecoder().decode(Exposition.self, from: Data(line.utf8))
        }

        /// `progress … packetsReceived=N rttMs=X` (browser.py --hold --progress) → (N, X).
        static func transport(inProgressLine line: String) -> (packets: Int, rttMs: Double?)? {
            guard let match = line.firstMatch(of: /packetsReceived=(\d+) rttMs=(\S+)/), let packets = Int(match.1) else { return nil }
            return (packets, Double(match.2))
        }

        @Test("Chromium viewer: /metrics parses, packets and RTT match getStats, series go with the session",
              .requires(InteropTool.browserAgainstGateway + [.ffmpeg, .curl]), .timeLimit(.minutes(3)))
        func viewerMetrics() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let (camera, sdpPath) = try await scope.startRTPCamera(RTPCameraSource(seconds: 90, gopFrames: 30))
            let gateway = try await scope.startGateway(["--path", "cam=\(sdpPath)", "--token", Self.token])
            try await scope.waitUntilReady(gateway, path: "cam")

            // Same rule as the WHEP resources: the configured token, or 401.
            let anonymous = try await scope.http("GET", gateway.url("/metrics"))
            #expect(anonymous.status == 401 && anonymous.header("WWW-Authenticate") == "Bearer")
            let wrong = try await scope.http("GET", gateway.url("/metrics"), headers: ["Authorization": "Bearer nope"])
            #expect(wrong.status == 401 && !wrong.body.contains(Self.token))
            #expect(wrong.header("Access-Control-Allow-Origin") == nil)
            let idle = try await Self.scrape(scope, gateway)
            #expect(idle.value("rtcbridge_path_source_ready", ["path": "cam"]) == 1)
            #expect(idle.values("rtcbridge_webrtc_session_info").isEmpty)

            let stopFile = scope.file("viewer.stop")
            let browser = try scope.startBrowser(["whep", gateway.url("/cam/whep"), "--token", Self.token, "--seconds", "1",
                                                  "--hold", "--stop-file", stopFile, "--progress", "--timeout", "90"])
            try await browser.waitForLine(timeout: .seconds(40), what: "30 decoded frames") {
                (GarbageDatagramTests.framesDecoded(inProgressLine: $0) ?? 0) > 30
            }

            // RTT needs one of our sender reports and the viewer's receiver report about it (~1 s each).
            var live = try await Self.scrape(scope, gateway)
            let rttDeadline = ContinuousClock.now + .seconds(15)
            while live.values("rtcbridge_webrtc_session_rtt_seconds", ["path": "cam"]).isEmpty, ContinuousClock.now < rttDeadline {
                try await Task.sleep(for: .milliseconds(250))
                live = try await Self.scrape(scope, gateway)
            }
            let info = try #require(live.values("rtcbridge_webrtc_session_info", ["path": "cam"]).first, "no session series")
            let session = try #require(info.labels["session"])
            let labels = ["path": "cam", "session": session]
            #expect(info.labels["role"] == "whep" && info.labels["candidate_type"] == "host")
            #expect(info.labels["srtp_profile"]?.hasPrefix("SRTP_") == true, "\(info.labels)")
            #expect(!live.samples.contains { $0.labels.values.contains(Self.token) }, "a label carries the token")
            let rtt = try #require(live.value("rtcbridge_webrtc_session_rtt_seconds", labels), "no RTT for the session")
            #expect(rtt > 0 && rtt < 1, "RTT on loopback: \(rtt) s")
            #expect(live.value("rtcbridge_webrtc_session_jitter_seconds", labels) != nil)
            #expect(live.value("rtcbridge_webrtc_session_fraction_lost", labels) != nil)
            let wait = try #require(live.value("rtcbridge_webrtc_session_keyframe_wait_seconds", labels))
            #expect(wait >= 0 && wait < 5, "keyframe wait \(wait) s")
            #expect(live.value("rtcbridge_path_readers", ["path": "cam"]) == 1)
            #expect((live.value("rtcbridge_path_bytes_in_total", ["path": "cam"]) ?? 0) > 0)
            #expect(live.values("rtcbridge_path_bytes_in_total").first?.type == "counter")
            #expect((live.value("rtcbridge_process_resident_memory_bytes") ?? 0) > 1_048_576)
            #expect((live.value("rtcbridge_process_open_fds") ?? 0) > 3)
            #expect(!live.values("rtcbridge_event_loop_lag_seconds").isEmpty)
            #expect(live.value("rtcbridge_drops_total", ["reason": "srtp_auth_failure"]) == 0)
            let browserRTT = browser.lines().compactMap(Self.transport(inProgressLine:)).last?.rttMs
            print("metrics: session RTT \(rtt * 1000) ms (RTCP), browser candidate-pair RTT \(browserRTT.map { "\($0)" } ?? "nil") ms, "
                + "keyframe wait \(wait) s, \(live.samples.count) samples in \(live.families) families")
            // Both measure the same loopback path (RTCP SR/RR here, STUN checks there): a few ms
            // each; the bound allows for scheduling on a loaded machine.
            let browserRTTMs = try #require(browserRTT, "Chromium reported no candidate-pair RTT")
            #expect(abs(rtt * 1000 - browserRTTMs) < 250, "RTT \(rtt * 1000) ms vs Chromium's \(browserRTTMs) ms")
            // Freeze counters of the video sent to this viewer (a steady loopback stream: typically none).
            let freezes = try #require(live.value("rtcbridge_webrtc_session_freezes_total", labels), "no freeze series")
            let frozen = try #require(live.value("rtcbridge_webrtc_session_frozen_seconds_total", labels))
            let waiting = try #require(live.value("rtcbridge_webrtc_session_keyframe_waiting_seconds_total", labels))
            #expect(freezes >= 0 && frozen >= 0 && waiting >= 0)
            #expect(live.values("rtcbridge_webrtc_session_freezes_total").first?.type == "counter")
            print("metrics: freezes \(Int(freezes)), frozen \(frozen) s, keyframe waiting \(waiting) s")

            // Stop the camera so both counts settle, then compare what the session sent with what
            // Chromium received (getStats inbound-rtp packetsReceived, audio + video).
            camera.terminate()
            var sent = live.value("rtcbridge_webrtc_session_packets_sent_total", labels) ?? -1
            var received = -1
            let settleDeadline = ContinuousClock.now + .seconds(20)
            var stableRounds = 0
            while stableRounds < 3, ContinuousClock.now < settleDeadline {
                try await Task.sleep(for: .milliseconds(500))
                let now = try await Self.scrape(scope, gateway).value("rtcbridge_webrtc_session_packets_sent_total", labels) ?? -1
                let browserNow = browser.lines().compactMap(Self.transport(inProgressLine:)).last?.packets ?? -1
                stableRounds = (now == sent && browserNow == received) ? stableRounds + 1 : 0
                (sent, received) = (now, browserNow)
            }
            #expect(stableRounds >= 3, "the counts did not settle: sent \(sent), received \(received)")
            // Loopback loses nothing and the session sends no RTX stream, so every packet the
            // session counted reaches Chromium's inbound-rtp counters once the flow stopped; the
            // only gap allowed is a few packets (a late retransmission Chromium counts twice or
            // drops as a duplicate), 0.5 % or 5 packets, whichever is more.
            let tolerance = max(5, sent * 0.005)
            print("metrics: session packets sent \(Int(sent)), Chromium packetsReceived \(received), "
                + "difference \(Int(sent) - received), tolerance \(Int(tolerance))")
            #expect(sent > 300, "too few packets to compare: \(sent)")
            #expect(abs(sent - Double(received)) <= tolerance, "sent \(sent) vs received \(received)")

            // The viewer leaves (DELETE): its series are gone at the next scrape; the path's output
            // total keeps what the session sent.
            _ = FileManager.default.createFile(atPath: stopFile, contents: nil)
            _ = try await browser.waitForExit(timeout: .seconds(30))
            let report = try BrowserReport.parse(from: browser)
            #expect(report.ok, "\(report.json)")
            #expect(report.deleteStatus == 200 || report.deleteStatus == 204, "\(report.json)")
            // The label is not the resource id (that would let a reader of /metrics DELETE the session).
            let resource = try #require(report.resource)
            #expect(!resource.contains(session), "session label \(session) is part of the resource URL \(resource)")
            let after = try await Self.scrape(scope, gateway)
            let leftovers = after.samples.filter { $0.labels["session"] == session }
            #expect(leftovers.isEmpty, "series of the ended session: \(leftovers.map(\.name))")
            #expect(after.value("rtcbridge_webrtc_sessions") == 0)
            #expect((after.value("rtcbridge_path_packets_out_total", ["path": "cam"]) ?? 0) >= sent)
            #expect(gateway.process.isRunning)
        }
    }
}
