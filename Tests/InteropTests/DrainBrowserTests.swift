import Foundation
import Testing

extension InteropSuite {
    /// Graceful drain seen by a real browser (issue #12 "SIGTERM: Chromium sees the connection
    /// closed within 1 s; the MP4 being recorded passes ffprobe"): a headless Chromium WHEP viewer
    /// decodes the path while it is recorded; the gateway gets SIGTERM. Chromium must see the
    /// connection end (its DTLS transport closed by our close_notify, or the connection failed)
    /// within 1 s of the signal, measured by the page on this machine's wall clock against the
    /// signal time the test hands it; the gateway exits 0 within its drain timeout, and ffprobe
    /// reads the finished recording without an error and with a duration.
    @Suite("Graceful drain with Chromium")
    struct DrainBrowserTests {
        @Test("SIGTERM: Chromium sees the connection closed within 1 s, exit 0, the MP4 being recorded passes ffprobe",
              .requires(InteropTool.browserAgainstGateway + [.ffmpeg]), .timeLimit(.minutes(2)))
        func chromiumSeesTheClose() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let (gateway, recordings) = try await scope.startRecordedDemo()

            let signalFile = scope.file("sigterm-at-ms")
            let browser = try scope.startBrowser(["whep", gateway.url("/demo/whep"), "--seconds", "1", "--until-closed",
                                                  "--signal-file", signalFile, "--progress", "--timeout", "60"])
            try await browser.waitForLine(timeout: .seconds(45), what: "60 decoded frames") {
                (GarbageDatagramTests.framesDecoded(inProgressLine: $0) ?? 0) > 60
            }

            // The time of the signal, for the page to measure against (same wall clock).
            let signalledAtMs = Int((Date().timeIntervalSince1970 * 1000).rounded())
            try String(signalledAtMs).write(toFile: signalFile, atomically: true, encoding: .utf8)
            let signalled = ContinuousClock.now
            gateway.process.send(SIGTERM)
            let status = try await gateway.process.waitForExit(timeout: .seconds(10))
            let exitSeconds = (ContinuousClock.now - signalled).seconds
            #expect(status == 0, "\(gateway.process.logTail())")
            #expect(exitSeconds < 5, "exited after \(exitSeconds) s")

            _ = try await browser.waitForExit(timeout: .seconds(30))
            let report = try BrowserReport.parse(from: browser)
            #expect(report.ok, "\(report.json)\n\(browser.logTail())")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
            let closed = json["closed"] as? [String: Any]
            let how = closed?["how"] as? String
            let delayMs = try #require((json["closeDelayMs"] as? NSNumber)?.intValue, "no close seen: \(report.json)")
            #expect(delayMs >= 0 && delayMs < 1000, "Chromium saw the close \(delayMs) ms after SIGTERM (\(how ?? "?")): \(report.json)")
            #expect((report.framesDecoded ?? 0) > 60, "\(report.json)")

            let files = InteropScope.recordings(in: recordings)
            #expect(!files.isEmpty, "no recording in \(recordings): \(gateway.process.logTail())")
            let ffprobe = URL(fileURLWithPath: try #require(scope.environment.ffmpeg)).deletingLastPathComponent()
                .appendingPathComponent("ffprobe").path
            var durations: [Double] = []
            for file in files {
                let probe = try scope.start("ffprobe-recording", [
                    ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "default=nw=1", file,
                ])
                #expect(try await probe.waitForExit(timeout: .seconds(20)) == 0, "\(probe.logTail())")
                #expect(probe.text(.stderr).isEmpty, "ffprobe errors on \(file): \(probe.text(.stderr))")
                durations.append(probe.text(.stdout).firstMatch(of: /duration=([0-9.]+)/).flatMap { Double($0.1) } ?? 0)
            }
            #expect(durations.contains { $0 > 0 }, "recording durations \(durations)")
            print("drain with Chromium: close seen after \(delayMs) ms (\(how ?? "?")), gateway exited \(status) after "
                + "\(String(format: "%.3f", exitSeconds)) s; recordings \(durations) s; events \(report.events ?? [])")
        }
    }
}

extension InteropScope {
    /// A gateway with the `demo` path, recorded into a new directory (returned), once the path is ready.
    func startRecordedDemo() async throws -> (GatewayProcess, String) {
        let recordings = file("recordings")
        try FileManager.default.createDirectory(atPath: recordings, withIntermediateDirectories: true)
        let gateway = try await startGateway(["--path", "demo=demo", "--record", "demo=\(recordings)"])
        try await waitUntilReady(gateway, path: "demo")
        return (gateway, recordings)
    }

    /// The MP4 files under `directory`.
    static func recordings(in directory: String) -> [String] {
        (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix(".mp4") }.map { directory + "/" + $0 }
    }
}
