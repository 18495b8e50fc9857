/// Per-session failure counts. Failed packets are dropped by the caller; these say how many and why.
public struct SRTPCounters: Sendable, Equatable {
    /// `protect` calls that failed (bad length, key exhaustion, …).
    public var protectFailures = 0
    /// Inbound packets whose authentication tag did not verify (RFC 3711 §3.3, RFC 7714 §9.2).
    public var authenticationFailures = 0
    /// Inbound packets rejected by the replay window (RFC 3711 §3.3.2).
    public var replayFailures = 0
    /// Inbound packets rejected for any other reason (too short, malformed header, …).
    public var otherUnprotectFailures = 0

    public init() {}
}
