import RTCBase

/// Coalesces keyframe requests (PLI, RFC 4585 §6.3.1; FIR, RFC 5104 §4.3.1) toward one source:
/// at most one goes out per `interval`, and requests made during the quiet interval collapse
/// into one that fires when it ends. Sans-IO: call `handleTimeout(now:)` at `nextDeadline`.
public struct KeyframeRequestLimiter: Sendable {
    /// Minimum spacing between two requests sent.
    public var interval: Duration
    /// When the last request went out.
    public private(set) var lastSent: Instant?
    /// A request arrived during the quiet interval and will fire at `nextDeadline`.
    public private(set) var isPending = false

    public init(interval: Duration = .milliseconds(500)) {
        self.interval = interval
    }

    /// Asks for a keyframe. True when a request may be sent now; otherwise it is remembered
    /// and fires once at `nextDeadline`.
    public mutating func request(now: Instant) -> Bool {
        if let lastSent, now < lastSent + interval {
            isPending = true
            return false
        }
        lastSent = now
        isPending = false
        return true
    }

    /// When a pending request may go out, nil when none is pending.
    public var nextDeadline: Instant? {
        guard isPending, let lastSent else { return nil }
        return lastSent + interval
    }

    /// True when the pending request may go out now (it is then no longer pending).
    public mutating func handleTimeout(now: Instant) -> Bool {
        guard let deadline = nextDeadline, now >= deadline else { return false }
        lastSent = now
        isPending = false
        return true
    }

    /// Drops a pending request, e.g. because a keyframe arrived meanwhile.
    /// Forgets the history and any pending request (e.g. a new source).
    public mutating func reset() {
        lastSent = nil
        isPending = false
    }

    public mutating func cancelPending() {
        isPending = false
    }
}
