/// A token bucket (sans-IO: the caller passes the time): `capacity` tokens at most, refilled at
/// `ratePerSecond`. Bounds what a peer can make us send — retransmissions per second, replayed
/// bytes per second — while allowing a burst up to the capacity.
public struct TokenBucket: Sendable, Equatable {
    public let capacity: Int
    public let ratePerSecond: Int
    /// Tokens at `updated`, in millionths of a token (so slow rates still refill).
    private var microTokens: Int
    private var updated: Instant?

    /// Starts full.
    public init(capacity: Int, ratePerSecond: Int) {
        self.capacity = min(max(0, capacity), Int.max / 2_000_000)
        self.ratePerSecond = max(0, ratePerSecond)
        microTokens = self.capacity * 1_000_000
    }

    /// Tokens available at `now`.
    public func available(at now: Instant) -> Int {
        microTokens(at: now) / 1_000_000
    }

    /// Takes `count` tokens if that many are available at `now`; takes nothing otherwise.
    public mutating func take(_ count: Int, at now: Instant) -> Bool {
        let current = microTokens(at: now)
        updated = max(updated ?? now, now)
        microTokens = current
        guard count >= 0, count <= current / 1_000_000 else { return false }
        microTokens -= count * 1_000_000
        return true
    }

    private func microTokens(at now: Instant) -> Int {
        guard let updated, now > updated else { return microTokens }
        let elapsed = Int(min(now.nanoseconds - updated.nanoseconds, 3_600_000_000_000))   // ≤ 1 h
        // rate × elapsed ns / 1e9 tokens = rate × elapsed / 1e3 micro-tokens.
        let (product, overflow) = ratePerSecond.multipliedReportingOverflow(by: elapsed)
        let gained = overflow ? Int.max : product / 1_000
        let (sum, sumOverflow) = microTokens.addingReportingOverflow(gained)
        return min(capacity * 1_000_000, sumOverflow ? Int.max : sum)
    }
}
