import RTCBase

/// Coalesces keyframe requests (PLI, RFC 4585 §6.3.1; FIR, RFC 5104 §4.3.1) to at most one per
/// interval. A request inside the quiet interval is remembered and fires once when the interval has
/// passed; having no timers, the owner polls it on its next activity.
struct KeyframeRequestThrottle {
    let interval: Duration
    private var lastSent: Instant?
    private(set) var isPending = false

    init(interval: Duration) {
        self.interval = interval
    }

    /// Records a request; true when it should go upstream now.
    mutating func request(at now: Instant) -> Bool {
        if isQuiet(at: now) {
            isPending = true
            return false
        }
        return send(at: now)
    }

    /// True when a pending request should go upstream now.
    mutating func poll(at now: Instant) -> Bool {
        guard isPending, !isQuiet(at: now) else { return false }
        return send(at: now)
    }

    /// Forgets history and pending requests (a new source).
    mutating func reset() {
        lastSent = nil
        isPending = false
    }

    private func isQuiet(at now: Instant) -> Bool {
        guard let lastSent else { return false }
        return now - lastSent < interval
    }

    private mutating func send(at now: Instant) -> Bool {
        lastSent = now
        isPending = false
        return true
    }
}
