import Foundation
import Testing

extension InteropSuite {
    /// Issue #10, the client side: one `rtcbridge` pulls a stream from another over WHEP
    /// (`--path NAME=whep://…`) and pushes a path to it over WHIP (`--forward NAME=whip://…`),
    /// both as the offering, full-ICE controlling peer against the other's ICE-lite answer.
    @Suite("WHIP/WHEP clients between two gateways")
    struct WHIPClientTests {
        /// `whep://HOST:PORT` (or whip://) for a gateway's `http://HOST:PORT` base.
        static func clientURL(_ scheme: String, _ gateway: GatewayProcess, _ path: String) -> String {
            scheme + "://" + gateway.httpBase.dropFirst("http://".count) + path
        }

        /// The number after `name=` in a log line (metadata are written `name=value`).
        static func number(_ name: String, in line: String) -> Double? {
            guard let range = line.firstRange(of: name + "=") else { return nil }
            let digits = line[range.upperBound...].drop { $0 == "\"" }.prefix { $0.isNumber || $0 == "." }
            return Double(digits)
        }

        static func log(_ gateway: GatewayProcess) -> [String] {
            gateway.process.lines(.stderr)
        }

        @Test("gateway A pulls B's demo path over WHEP; Chromium on A decodes it",
              .requires(InteropTool.browserAgainstGateway + [.curl]), .timeLimit(.minutes(2)))
        func pullOverWHEPAndPlayInChromium() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let remote = try await scope.startGateway(["--path", "cam=demo", "--rtsp", "off"])
            try await scope.waitUntilReady(remote, path: "cam")
            let local = try await scope.startGateway([
                "--path", "relay=" + Self.clientURL("whep", remote, "/cam/whep"), "--rtsp", "off",
            ])
            try await scope.waitUntilReady(local, path: "relay", timeout: .seconds(20))
            let (_, connected) = try await local.process.waitForLine(.stderr, timeout: .seconds(5),
                                                                     what: "client session connected") {
                $0.contains("client session connected")
            }
            let (_, firstMedia) = try await local.process.waitForLine(.stderr, timeout: .seconds(5),
                                                                      what: "first media from remote") {
                $0.contains("first media from remote")
            }
            let iceMs = Self.number("postToICEConnectedMs", in: connected)
            let connectedMs = Self.number("postToConnectedMs", in: connected)
            let mediaMs = Self.number("postToFirstMediaMs", in: firstMedia)
            print("whep pull: POST → ICE connected \(iceMs.map { "\($0)" } ?? "?") ms, → DTLS connected "
                + "\(connectedMs.map { "\($0)" } ?? "?") ms, → first media \(mediaMs.map { "\($0)" } ?? "?") ms")
            #expect(iceMs != nil && mediaMs != nil, "\(connected)\n\(firstMedia)")

            let report = try await scope.runBrowser(["whep", local.url("/relay/whep"), "--seconds", "3"])
            print("whep pull → Chromium on A: framesDecoded=\(report.framesDecoded ?? 0) "
                + "firstFrameMs=\(report.firstFrameMs.map(String.init) ?? "nil")")
            #expect(report.ok, "\(report.json)")
            #expect((report.framesDecoded ?? 0) > 10, "\(report.json)")
            #expect(local.process.isRunning && remote.process.isRunning)
            // B serves A as one WHEP viewer.
            let remoteStats = try await scope.stats(of: remote)
            #expect(remoteStats.webrtc.sessions == 1, "\(remoteStats.webrtc)")
        }

        @Test("gateway A pushes a path to B over WHIP; ffprobe reads it from B's RTSP server; A's exit DELETEs it",
              .requires([.root, .ip, .ffmpeg, .gateway, .curl]), .timeLimit(.minutes(2)))
        func pushOverWHIPAndDeleteOnExit() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let remote = try await scope.startGateway(["--path", "in=publisher", "--rtsp", "127.0.0.1:8554"])
            let local = try await scope.startGateway([
                "--path", "cam=demo", "--forward", "cam=" + Self.clientURL("whip", remote, "/in/whip"), "--rtsp", "off",
            ])
            try await scope.waitUntilReady(remote, path: "in", timeout: .seconds(20))
            let (_, connected) = try await local.process.waitForLine(.stderr, timeout: .seconds(5),
                                                                     what: "client session connected") {
                $0.contains("client session connected")
            }
            print("whip push: POST → ICE connected \(Self.number("postToICEConnectedMs", in: connected).map { "\($0)" } ?? "?") ms, "
                + "→ DTLS connected \(Self.number("postToConnectedMs", in: connected).map { "\($0)" } ?? "?") ms")

            let probe = try await scope.ffprobe("rtsp://127.0.0.1:8554/in", transport: "tcp")
            #expect(probe.status == 0, "\(probe.log)")
            #expect(probe.streams.contains { $0.contains("codec_type=video") && $0.contains("width=640") }, "\(probe.streams)")
            let before = try await scope.stats(of: remote)
            #expect(before.webrtc.sessions == 1, "\(before.webrtc)")

            // SIGTERM: A drains, its forward DELETEs the resource on B.
            local.process.send(SIGTERM)
            _ = try await local.process.waitForExit(timeout: .seconds(15))
            let deadline = ContinuousClock.now + .seconds(3)
            var after = try await scope.stats(of: remote)
            while after.webrtc.sessions != 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                after = try await scope.stats(of: remote)
            }
            #expect(after.webrtc.sessions == 0, "B still has A's session after A exited: \(after.webrtc)")
        }

        @Test("B killed: A logs the failure, retries with backoff, and pulls again when B returns",
              .requires([.root, .ip, .gateway, .curl]), .timeLimit(.minutes(3)))
        func reconnectsWithBackoffWhenTheRemoteReturns() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            // B on fixed ports (inside the test's own namespace) so it can come back at the same URL.
            let remoteArguments = ["--path", "cam=demo", "--rtsp", "off", "--http", "127.0.0.1:18080",
                                   "--webrtc-udp", "18189", "--ice-host", "127.0.0.1", "--log-level", "info"]
            let first = try await scope.startGateway(exactly: remoteArguments)
            try await scope.waitUntilReady(first, path: "cam")
            let local = try await scope.startGateway([
                "--path", "relay=whep://127.0.0.1:18080/cam/whep", "--rtsp", "off",
            ])
            try await scope.waitUntilReady(local, path: "relay", timeout: .seconds(20))

            // Ready means the path has tracks; the session must also be up before B goes away.
            try await local.process.waitForLine(.stderr, timeout: .seconds(10), what: "client session connected") {
                $0.contains("client session connected")
            }
            first.process.send(SIGKILL)
            _ = try await first.process.waitForExit(timeout: .seconds(5))
            // Consent lapses 30 s after B's last answer, then every re-offer is refused.
            let (failedIndex, failed) = try await local.process.waitForLine(.stderr, timeout: .seconds(45),
                                                                            what: "the failure logged") {
                $0.contains("remote failed; retrying")
            }
            #expect(failed.contains("ICE consent expired"), "\(failed)")
            let (_, refused) = try await local.process.waitForLine(.stderr, from: failedIndex + 1, timeout: .seconds(10),
                                                                   what: "a refused re-offer") {
                $0.contains("remote failed; retrying") && $0.contains("refused")
            }
            print("remote gone: \(failed)\nretry: \(refused)")
            let restartedAt = ContinuousClock.now
            let lines = Self.log(local).count
            let second = try await scope.startGateway(exactly: remoteArguments)
            let (_, reconnected) = try await local.process.waitForLine(.stderr, from: lines, timeout: .seconds(40),
                                                                       what: "connected again") {
                $0.contains("client session connected")
            }
            let gap = ContinuousClock.now - restartedAt
            print("remote back: A connected again \(Int(gap.seconds * 1000)) ms after B restarted (\(reconnected))")
            try await scope.waitUntilReady(local, path: "relay", timeout: .seconds(10))
            #expect(second.process.isRunning && local.process.isRunning)
            let retries = Self.log(local).filter { $0.contains("remote failed; retrying") }
                .compactMap { Self.number("retryInMs", in: $0) }
            print("retry delays (ms): \(retries)")
            #expect(retries.count >= 2, "\(retries)")
        }
    }
}
