import Foundation
import Testing

extension InteropSuite {
    /// Issue #8, fault scenario "camera drop and restart": the source of a path dies and comes
    /// back while a browser watches; the browser keeps its session and decodes again at once.
    @Suite("Camera drop and restart")
    struct CameraRestartTests {
        /// `progress framesDecoded=N conn=STATE` (printed by `browser.py --progress`) → (N, STATE).
        static func progress(_ line: String) -> (frames: Int, connection: String)? {
            line.firstMatch(of: /^progress framesDecoded=(\d+) conn=(\S+)/).flatMap { match in
                Int(match.1).map { ($0, String(match.2)) }
            }
        }

        @Test("Chromium keeps its session through a 3 s camera outage and decodes again within 2 s of the restart",
              .requires(InteropTool.browserAgainstGateway + [.ffmpeg, .curl]), .timeLimit(.minutes(2)))
        func viewerSurvivesCameraRestart() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let camera = RTPCameraSource(seconds: 60, gopFrames: 60)
            let (first, sdpPath) = try await scope.startRTPCamera(camera)
            let gateway = try await scope.startGateway(["--path", "cam=\(sdpPath)"])
            try await scope.waitUntilReady(gateway, path: "cam")

            let browser = try scope.startBrowser(["whep", gateway.url("/cam/whep"), "--seconds", "14", "--progress",
                                                  "--timeout", "60"])
            try await browser.waitForLine(timeout: .seconds(30), what: "30 decoded frames") {
                (Self.progress($0)?.frames ?? 0) >= 30
            }

            // The camera dies (SIGKILL: no RTCP BYE) and stays away 3 s.
            first.send(SIGKILL)
            _ = try await first.waitForExit(timeout: .seconds(5))
            try await Task.sleep(for: .seconds(3))
            let outage = browser.lines()
            let framesAtRestart = outage.compactMap { Self.progress($0)?.frames }.last ?? 0

            // The same camera command starts again (same ports, a new SSRC, sequence and timestamps).
            let restartedAt = ContinuousClock.now
            let (second, _) = try await scope.startRTPCamera(camera)
            let (_, line) = try await browser.waitForLine(
                from: outage.count, timeout: .seconds(10), what: "framesDecoded > \(framesAtRestart) after the restart"
            ) { (Self.progress($0)?.frames ?? 0) > framesAtRestart }
            let gap = ContinuousClock.now - restartedAt
            let gapMs = Int(gap.seconds * 1000)
            print("camera restart: \(framesAtRestart) frames before, decoding again \(gapMs) ms after the camera "
                + "restarted (\(line))")
            #expect(gap <= .seconds(2), "decoding resumed \(gapMs) ms after the camera restarted (limit 2000 ms)")

            // More than a blip: 30 more frames within 5 s.
            let resumed = browser.lines()
            try await browser.waitForLine(from: resumed.count, timeout: .seconds(5),
                                          what: "30 more frames after the restart") {
                (Self.progress($0)?.frames ?? 0) >= framesAtRestart + 30
            }
            _ = try await browser.waitForExit(timeout: .seconds(60))
            let report = try BrowserReport.parse(from: browser)

            // One PeerConnection throughout: connected in every progress line since the first
            // frame, and the session resource it created is the one its DELETE ends.
            let states = browser.lines().compactMap(Self.progress).drop { $0.frames == 0 }.map(\.connection)
            #expect(!states.isEmpty && states.allSatisfy { $0 == "connected" },
                    "connection states after the first frame: \(Set(states))")
            #expect(report.ok, "\(report.json)")
            #expect(report.deleteStatus == 200 || report.deleteStatus == 204, "DELETE of the original session: \(report.json)")
            #expect(second.isRunning, "the restarted camera ended early: \(second.logTail())")
            let stats = try await scope.stats(of: gateway)
            print("camera restart: rtcbridge stats \(stats.path("cam").map { "unitsIn=\($0.unitsIn)" } ?? "no path"), "
                + "webrtc \(stats.webrtc)")
            #expect(gateway.process.isRunning, "the gateway died: \(gateway.process.logTail())")
        }
    }
}
