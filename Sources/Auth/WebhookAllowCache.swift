import RTCBase

/// Remembers the webhook's allow answers for `lifetime` (sans-IO: the caller passes the time),
/// so a burst of requests with the same credentials asks once. Keyed by the whole request
/// (path, action, protocol, address, user, token); denials are never cached. `maxEntries` at most:
/// past it expired entries go, then the one that expires first.
public struct WebhookAllowCache: Sendable {
    public let lifetime: Duration
    public let maxEntries: Int
    private var expiries: [AuthRequest: Instant] = [:]

    public init(lifetime: Duration, maxEntries: Int = 4096) {
        self.lifetime = lifetime
        self.maxEntries = maxEntries
    }

    public var count: Int { expiries.count }

    public func allows(_ request: AuthRequest, now: Instant) -> Bool {
        guard let expiry = expiries[request] else { return false }
        return now < expiry
    }

    public mutating func insert(_ request: AuthRequest, now: Instant) {
        guard lifetime > .zero, maxEntries > 0 else { return }
        if expiries[request] == nil, expiries.count >= maxEntries {
            expiries = expiries.filter { now < $0.value }
            if expiries.count >= maxEntries, let first = expiries.min(by: { $0.value < $1.value })?.key {
                expiries[first] = nil
            }
        }
        expiries[request] = now + lifetime
    }
}
