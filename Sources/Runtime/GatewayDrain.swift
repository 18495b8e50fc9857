import RTCBase

/// The shutdown drain (SIGTERM, SIGINT) as a plan and its progress, without IO or a clock of its
/// own: the runtime feeds it the time as it runs each stage, and asks it what to log, whether the
/// deadline has passed and what is still pending. The stages run in this order:
///
/// 1. `listeners`: the HTTP and RTSP listeners close, new WHIP/WHEP sessions are refused (503);
/// 2. `peers`: every WebRTC session sends RTCP BYE and DTLS close_notify, RTSP connections close;
/// 3. `sources`: sources and plain RTP forwards stop;
/// 4. `recordings`: each recording finishes its open segment on disk;
/// 5. `sockets`: the WebRTC UDP sockets close.
public struct GatewayDrain: Sendable {
    public enum Stage: Int, CaseIterable, Sendable, Comparable, CustomStringConvertible {
        case listeners, peers, sources, recordings, sockets

        public static func < (lhs: Stage, rhs: Stage) -> Bool { lhs.rawValue < rhs.rawValue }

        public var description: String {
            switch self {
            case .listeners: return "listeners"
            case .peers: return "peers"
            case .sources: return "sources"
            case .recordings: return "recordings"
            case .sockets: return "sockets"
            }
        }
    }

    /// What was open when the drain began.
    public struct Counts: Sendable, Equatable {
        public var webRTCSessions = 0
        public var rtspConnections = 0
        public var sources = 0
        public var recordings = 0
        public init(webRTCSessions: Int = 0, rtspConnections: Int = 0, sources: Int = 0, recordings: Int = 0) {
            self.webRTCSessions = webRTCSessions
            self.rtspConnections = rtspConnections
            self.sources = sources
            self.recordings = recordings
        }
    }

    public let counts: Counts
    public let started: Instant
    public let deadline: Instant
    /// The stage running now (nil before the first and after the last).
    public private(set) var current: Stage?
    /// Stages done, with how long each took.
    public private(set) var finished: [(stage: Stage, elapsed: Duration)] = []
    private var currentStarted: Instant

    public init(counts: Counts, timeout: Duration, now: Instant) {
        self.counts = counts
        self.started = now
        self.deadline = now + timeout
        self.currentStarted = now
    }

    /// The longest drain the options accept, in seconds (`--shutdown-timeout`, `shutdownTimeout:`).
    public static let timeoutRange: ClosedRange<Double> = 0.1...3600

    /// Begins `stage` (the previous one must have finished). Stages begin in order.
    public mutating func begin(_ stage: Stage, now: Instant) {
        current = stage
        currentStarted = now
    }

    /// Ends the current stage; returns its log line ("drain: peers done in 0.012 s (3 WebRTC sessions, 1 RTSP connection)").
    @discardableResult
    public mutating func finishCurrent(now: Instant) -> String? {
        guard let stage = current else { return nil }
        let elapsed = now - currentStarted
        finished.append((stage, elapsed))
        current = nil
        var line = "drain: \(stage) done in \(Self.seconds(elapsed)) s"
        if let detail = detail(of: stage) { line += " (\(detail))" }
        return line
    }

    /// Stages not finished yet, in order.
    public var pending: [Stage] {
        Stage.allCases.filter { stage in !finished.contains { $0.stage == stage } }
    }

    public var isComplete: Bool { pending.isEmpty }

    /// Whether the deadline has passed with work still pending.
    public func isOverdue(now: Instant) -> Bool { now >= deadline && !isComplete }

    /// What the drain will close: "draining: 3 WebRTC sessions, 1 RTSP connection, 1 source, 1 recording (timeout 5 s)".
    public var startLine: String {
        let parts = [Self.count(counts.webRTCSessions, "WebRTC session"), Self.count(counts.rtspConnections, "RTSP connection"),
                     Self.count(counts.sources, "source"), Self.count(counts.recordings, "recording")]
        return "draining: \(parts.joined(separator: ", ")) (timeout \(Self.seconds(deadline - started)) s)"
    }

    /// "drained in 0.21 s" once every stage finished; otherwise what is still pending and for how long.
    public func endLine(now: Instant) -> String {
        let elapsed = Self.seconds(now - started)
        guard !isComplete else { return "drained in \(elapsed) s" }
        let waiting = pending.map { stage in
            let detail = detail(of: stage)
            return stage == current ? "\(stage) (running\(detail.map { ": \($0)" } ?? ""))" : "\(stage)"
        }
        return "drain timed out after \(elapsed) s; still pending: \(waiting.joined(separator: ", "))"
    }

    private func detail(of stage: Stage) -> String? {
        switch stage {
        case .listeners, .sockets: return nil
        case .peers:
            return "\(Self.count(counts.webRTCSessions, "WebRTC session")), \(Self.count(counts.rtspConnections, "RTSP connection"))"
        case .sources: return Self.count(counts.sources, "source")
        case .recordings: return Self.count(counts.recordings, "recording")
        }
    }

    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// Seconds with up to three decimals, trailing zeros dropped ("0.21", "5").
    static func seconds(_ duration: Duration) -> String {
        let milliseconds = max(0, (duration.secondsDouble * 1000).rounded())
        let whole = Int(milliseconds / 1000), fraction = Int(milliseconds.truncatingRemainder(dividingBy: 1000))
        guard fraction > 0 else { return "\(whole)" }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 3 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }
}
