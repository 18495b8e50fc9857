import Foundation

/// A headless Chromium that publishes into the gateway while a test watches: `browser.py whip`
/// (fake camera 640x360@30 + microphone, WHIP) or `browser.py publish-page` (the gateway's own
/// `/{path}/publish` page). It publishes until `finish()` creates its stop file (at most
/// `maxSeconds`), then DELETEs its resource (or presses Stop) and prints its report.
struct BrowserPublisher: Sendable {
    let process: ManagedProcess
    let stopFile: String

    /// Asks the publisher to stop, waits for it to exit and returns its report.
    func finish(timeout: Duration = .seconds(30)) async throws -> BrowserReport {
        guard FileManager.default.createFile(atPath: stopFile, contents: Data()) else {
            process.terminate()
            throw InteropError.unexpectedOutput(what: "cannot create the stop file", output: stopFile)
        }
        _ = try await process.waitForExit(timeout: timeout)
        return try BrowserReport.parse(from: process)
    }
}

extension InteropScope {
    /// Starts `browser.py whip URL` (`codec`: `H264`/`VP8`, nil = the gateway's choice).
    func startWHIPPublisher(_ url: String, codec: String? = nil, token: String? = nil,
                            maxSeconds: Int = 60) throws -> BrowserPublisher {
        var arguments = ["whip", url]
        if let codec { arguments += ["--codec", codec] }
        if let token { arguments += ["--token", token] }
        return try startPublisher(arguments, maxSeconds: maxSeconds)
    }

    /// Starts `browser.py publish-page URL`: the page picks 640x360 and `codec`, presses Start.
    func startPublishPage(_ url: String, codec: String? = nil, maxSeconds: Int = 60) throws -> BrowserPublisher {
        var arguments = ["publish-page", url]
        if let codec { arguments += ["--codec", codec] }
        return try startPublisher(arguments, maxSeconds: maxSeconds)
    }

    private func startPublisher(_ arguments: [String], maxSeconds: Int) throws -> BrowserPublisher {
        let stopFile = file("publisher-stop-\(Self.publisherCounter.next())")
        try? FileManager.default.removeItem(atPath: stopFile)
        let process = try startBrowser(arguments + [
            "--seconds", String(maxSeconds), "--stop-file", stopFile, "--timeout", String(maxSeconds + 30),
        ])
        return BrowserPublisher(process: process, stopFile: stopFile)
    }

    /// Waits until path `name` has a publisher whose media reaches the gateway (`unitsIn` grows),
    /// so that a viewer started now measures the gateway, not the publisher's start.
    func waitForPublishedMedia(_ gateway: GatewayProcess, path name: String, publisher: BrowserPublisher,
                               timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        var first: Int?
        var last = "no answer yet"
        while true {
            if !publisher.process.isRunning {
                throw InteropError.exitedEarly(label: publisher.process.label,
                                               status: publisher.process.terminationStatusOrMinusOne,
                                               log: publisher.process.logTail())
            }
            if let path = try await stats(of: gateway).path(name) {
                last = "ready=\(path.ready) unitsIn=\(path.unitsIn)"
                if path.ready, path.unitsIn > 0 {
                    if let first, path.unitsIn > first { return }
                    first = first ?? path.unitsIn
                }
            }
            if ContinuousClock.now >= deadline {
                throw InteropError.timedOut(what: "media from the publisher on path \(name) (\(last))",
                                            seconds: timeout.seconds, log: publisher.process.logTail())
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Polls `/api/stats` until path `name` has no publisher any more; returns whether it got there.
    func waitUntilIdle(_ gateway: GatewayProcess, path name: String, timeout: Duration = .seconds(5)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await stats(of: gateway).path(name)?.ready == false { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    private static let publisherCounter = LockedCounter()
}
