import Foundation

/// The JSON line `Scripts/browser.py` prints when it ends (the page's `window.result`).
/// Fields are optional because each mode fills a different subset:
/// `loopback`/`whep`: framesDecoded, audioPackets, codec, firstFrameMs, …; `whep --trickle`:
/// patches; `whep --restart-after`: restart; `whip`: framesEncoded, packetsSent, codec, …;
/// `page`: videoWidth, currentTime, advanced, status; `publish-page`: cameras, codecs,
/// framesEncoded, statusAfterStop, …; `whep --repeat`: viewers.
struct BrowserReport: Decodable, Sendable {
    struct Viewer: Decodable, Sendable {
        let firstFrameMs: Int?
        let framesDecoded: Int?
        let delayMs: Int?
        let error: String?
    }

    /// One PATCH on the session resource (`whep --trickle`/`--restart-after`).
    struct Patch: Decodable, Sendable {
        /// `candidate`, `end-of-candidates` or `restart`.
        let what: String
        let status: Int
        let etag: String?
    }

    /// The ICE restart of `whep --restart-after`.
    struct Restart: Decodable, Sendable {
        /// Frames decoded when the restart began, and how many more by the end.
        let framesBefore: Int
        let framesAfter: Int
        let status: Int?
        let etagBefore: String?
        let etagAfter: String?
        /// The browser's new ufrag, the gateway's new ufrag (from the 200 fragment), and the local
        /// ufrag of the selected candidate pair before the restart and at the end.
        let localUfrag: String?
        let remoteUfrag: String?
        let selectedBefore: String?
        let selectedUfrag: String?
        let iceRestarted: Bool
        let fragment: String?
    }

    let ok: Bool
    let done: Bool?
    let error: String?
    let events: [String]?
    let framesDecoded: Int?
    let audioPackets: Int?
    let codec: String?
    let audioCodec: String?
    let firstFrameMs: Int?
    let postMs: Int?
    let connectedMs: Int?
    let packetsLost: Int?
    let width: Int?
    let height: Int?
    let resource: String?
    let etag: String?
    let deleteStatus: Int?
    let videoWidth: Int?
    let videoHeight: Int?
    let currentTime: Double?
    let advanced: Double?
    let status: String?
    let viewers: [Viewer]?
    let wallSeconds: Double?
    let patches: [Patch]?
    let restart: Restart?
    let framesEncoded: Int?
    let packetsSent: Int?
    let audioPacketsSent: Int?
    let publishedMs: Int?
    let cameras: Int?
    let microphones: Int?
    let codecs: [String]?
    let statusAfterStop: String?
    /// publish-page: the page's stats text while it published.
    let stats: String?
    /// whep --audio-stats: inbound audio's totalSamplesReceived at the first frame and at the end,
    /// totalAudioEnergy and audioLevel at the end.
    let audioSamplesEarly: Int?
    let audioSamples: Int?
    let audioEnergy: Double?
    let audioLevel: Double?

    /// The raw JSON line, for failure messages.
    private(set) var json: String = ""

    private enum CodingKeys: String, CodingKey {
        case ok, done, error, events, framesDecoded, audioPackets, codec, audioCodec, firstFrameMs, postMs
        case connectedMs, packetsLost, width, height, resource, etag, deleteStatus, videoWidth, videoHeight
        case currentTime, advanced, status, viewers, wallSeconds, patches, restart, framesEncoded, packetsSent
        case audioPacketsSent, publishedMs, cameras, microphones, codecs, statusAfterStop, stats
        case audioSamplesEarly, audioSamples, audioEnergy, audioLevel
    }

    /// Decodes the last stdout line of a finished `browser.py` that starts with `{`.
    static func parse(from process: ManagedProcess) throws -> BrowserReport {
        guard let line = process.lines().last(where: { $0.hasPrefix("{") }) else {
            throw InteropError.unexpectedOutput(what: "browser.py output (no JSON line)", output: process.logTail())
        }
        do {
            var report = try JSONDecoder().decode(BrowserReport.self, from: Data(line.utf8))
            report.json = line
            return report
        } catch {
            throw InteropError.unexpectedOutput(what: "browser.py JSON (\(error))", output: line)
        }
    }
}

extension InteropScope {
    /// Starts `browser.py` (inside the namespace) without waiting for it.
    func startBrowser(_ arguments: [String]) throws -> ManagedProcess {
        let env = environment
        let argv = [env.python, env.script("browser.py")] + arguments
            + ["--chromium", env.chromium, "--chromedriver", env.chromedriver]
        return try start("browser", argv)
    }

    /// Runs `browser.py` to its end and returns its report (whether ok or not).
    /// `timeout` bounds the page (`--timeout`); the process gets 20 s more for Chromium's start and stop.
    func runBrowser(_ arguments: [String], timeout: Duration = .seconds(40)) async throws -> BrowserReport {
        let process = try startBrowser(arguments + ["--timeout", String(Int(timeout.seconds))])
        _ = try await process.waitForExit(timeout: timeout + .seconds(20))
        return try BrowserReport.parse(from: process)
    }
}
