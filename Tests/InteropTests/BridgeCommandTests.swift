import Foundation
import Testing

extension InteropSuite {
    /// Issue #10, item 3: `rtcbridge bridge SOURCE TARGET…` one-liners against the real binary.
    @Suite("rtcbridge bridge one-liners")
    struct BridgeCommandTests {
        /// Starts `rtcbridge bridge ARGUMENTS… --progress` in the scope's namespace.
        static func startBridge(_ scope: InteropScope, _ arguments: [String]) throws -> ManagedProcess {
            try scope.start("rtcbridge-bridge", [scope.environment.gatewayBinary, "bridge"] + arguments + ["--progress"])
        }

        /// Waits until the progress line has counted at least `units` media units from the source.
        static func waitForUnits(_ bridge: ManagedProcess, atLeast units: Int) async throws {
            _ = try await bridge.waitForLine(.stdout, timeout: .seconds(20), what: "\(units) units received") { line in
                guard line.contains("receiving"), let match = line.firstMatch(of: /\s([0-9]+) units(?:,|$)/) else { return false }
                return Int(match.1).map { $0 >= units } ?? false
            }
        }

        @Test("bridge demo out.mp4, SIGINT after a few seconds: exit 0, ffprobe reads the MP4",
              .requires([.root, .ip, .ffmpeg, .gateway]), .timeLimit(.minutes(2)))
        func demoToMP4() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let file = scope.file("out.mp4")
            let bridge = try Self.startBridge(scope, ["demo", file])
            try await Self.waitForUnits(bridge, atLeast: 240)   // about 3 s of the demo (30 video + 50 audio units a second)
            bridge.send(SIGINT)
            let status = try await bridge.waitForExit(timeout: .seconds(15))
            #expect(status == 0, "\(bridge.logTail())")
            #expect(!FileManager.default.fileExists(atPath: scope.file(".out.mp4.rtcbridge")))
            let (probeStatus, probe) = try await scope.probeRecording(file, label: "ffprobe-bridge-mp4")
            #expect(probeStatus == 0, "\(probe.logTail())")
            let output = probe.text(.stdout)
            let frames = output.matches(of: /nb_read_frames=([0-9]+)/).compactMap { Int($0.1) }
            print("bridge demo → mp4: \(output.split(separator: "\n").joined(separator: " ")); "
                + "progress lines \(bridge.lines(.stdout).count)")
            #expect(output.contains("codec_name=h264"), "\(output)")
            #expect((frames.first ?? 0) >= 60, "\(output)")
            #expect(probe.text(.stderr).isEmpty, "\(probe.text(.stderr))")
        }

        @Test("bridge demo whip://B: ffprobe reads it from B's RTSP; SIGTERM → exit 0 and B's session is gone",
              .requires([.root, .ip, .ffmpeg, .gateway, .curl]), .timeLimit(.minutes(2)))
        func demoToWHIP() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let remote = try await scope.startGateway(["--path", "in=publisher", "--rtsp", "127.0.0.1:8554"])
            let bridge = try Self.startBridge(scope, ["demo", WHIPClientTests.clientURL("whip", remote, "/in/whip")])
            try await scope.waitUntilReady(remote, path: "in", timeout: .seconds(20))
            let probe = try await scope.ffprobe("rtsp://127.0.0.1:8554/in", transport: "tcp")
            #expect(probe.status == 0, "\(probe.log)")
            #expect(probe.streams.contains { $0.contains("codec_type=video") && $0.contains("width=640") }, "\(probe.streams)")
            let before = try await scope.stats(of: remote)
            #expect(before.webrtc.sessions == 1, "\(before.webrtc)")
            // B's receiver reports give the progress line its RTT and loss.
            let (_, progress) = try await bridge.waitForLine(.stdout, timeout: .seconds(10), what: "a progress line with RTT") {
                $0.contains("RTT") && $0.contains("loss") && !$0.contains("out 0.0 kbit/s")
            }
            print("bridge demo → whip: \(progress)")

            bridge.send(SIGTERM)
            let status = try await bridge.waitForExit(timeout: .seconds(15))
            #expect(status == 0, "\(bridge.logTail())")
            // The DELETE was answered before the bridge exited: B has no session left.
            let after = try await scope.stats(of: remote)
            #expect(after.webrtc.sessions == 0, "B still has the bridge's session: \(after.webrtc)")
        }

        @Test("bridge demo whip://B?token=wrong: B answers 401, the bridge exits non-zero with the reason",
              .requires([.root, .ip, .gateway, .curl]), .timeLimit(.minutes(2)))
        func refusedWHIPTargetExitsWithTheReason() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let remote = try await scope.startGateway(["--path", "in=publisher", "--rtsp", "off", "--token", "right-token"])
            let bridge = try Self.startBridge(scope, ["demo", WHIPClientTests.clientURL("whip", remote, "/in/whip?token=wrong-token")])
            let status = try await bridge.waitForExit(timeout: .seconds(20))
            let stderr = bridge.text(.stderr)
            let reason = stderr.split(separator: "\n").map(String.init).first { $0.hasPrefix("rtcbridge bridge: WHIP target") } ?? ""
            print("bridge refused: exit \(status), reason: \(reason)")
            #expect(status != 0, "\(bridge.logTail())")
            #expect(reason.hasPrefix("rtcbridge bridge: WHIP target") && reason.contains("401"), "\(stderr)")
            #expect(!stderr.contains("wrong-token"), "\(stderr)")
        }
    }
}
