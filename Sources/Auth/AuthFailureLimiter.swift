import RTCBase

/// Counts failed authentication attempts per client address (sans-IO: the caller passes the
/// time). After `maxFailures` failures within one `window` (counted from the first of them) the
/// address is blocked until that window ends: the caller answers 429 (HTTP) or refuses (RTSP)
/// without asking any provider. The table holds `maxClients` addresses at most; past it, expired
/// entries go first, then the one whose window started earliest.
public struct AuthFailureLimiter: Sendable {
    public struct Settings: Sendable, Equatable {
        public var maxFailures: Int
        public var window: Duration
        public var maxClients: Int
        public init(maxFailures: Int = 20, window: Duration = .seconds(60), maxClients: Int = 10_000) {
            self.maxFailures = maxFailures
            self.window = window
            self.maxClients = maxClients
        }
    }

    struct Entry: Sendable {
        var windowStart: Instant
        var failures: Int
    }

    public let settings: Settings
    private var entries: [String: Entry] = [:]

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// Addresses tracked now (at most `settings.maxClients`).
    public var trackedClients: Int { entries.count }

    /// Whether `client` has used up its failures for the current window.
    public func isBlocked(_ client: String, now: Instant) -> Bool {
        guard let entry = entries[client], now - entry.windowStart < settings.window else { return false }
        return entry.failures >= settings.maxFailures
    }

    /// How long until `client` may try again (zero when it is not blocked).
    public func retryAfter(_ client: String, now: Instant) -> Duration {
        guard isBlocked(client, now: now), let entry = entries[client] else { return .zero }
        return settings.window - (now - entry.windowStart)
    }

    /// Counts one failure of `client` at `now`.
    public mutating func recordFailure(_ client: String, now: Instant) {
        if var entry = entries[client], now - entry.windowStart < settings.window {
            entry.failures = entry.failures < Int.max ? entry.failures + 1 : entry.failures
            entries[client] = entry
            return
        }
        if entries[client] == nil, entries.count >= settings.maxClients { makeRoom(now: now) }
        guard settings.maxClients > 0 else { return }
        entries[client] = Entry(windowStart: now, failures: 1)
    }

    /// Drops expired windows; when none has expired, the oldest one.
    private mutating func makeRoom(now: Instant) {
        entries = entries.filter { now - $0.value.windowStart < settings.window }
        guard entries.count >= settings.maxClients,
              let oldest = entries.min(by: { $0.value.windowStart < $1.value.windowStart })?.key else { return }
        entries[oldest] = nil
    }
}
