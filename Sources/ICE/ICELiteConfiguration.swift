import STUN

/// Settings of an `ICELiteAgent`.
public struct ICELiteConfiguration: Sendable, Hashable {
    /// Consent freshness (RFC 7675 §5.1): without an authenticated check for this long the session
    /// is considered gone. RFC 7675 uses 30 s.
    public var consentTimeout: Duration = .seconds(30)
    /// Most remote addresses remembered as validated (media accepted from them); the least recently
    /// checked one, never the selected one, is evicted to make room. Values below 1 count as 1.
    public var maxValidatedAddresses = 8
    /// A nomination of a new address after the first moves media there only once that address
    /// has answered our own check (so a peer cannot aim the stream at a third party with a spoofed
    /// source): the check is sent every `addressProbeInterval`, at most `addressProbeAttempts` times.
    public var addressProbeInterval: Duration = .milliseconds(200)
    public var addressProbeAttempts = 3
    /// A claimed address is probed at most once per this long (one round of attempts), however
    /// often nominations from it arrive: a replayed check from a spoofed source makes us send at
    /// most `addressProbeAttempts` datagrams there per interval. RFC 7675 §5.1 checks consent
    /// every 5 s on average, so a real peer that lost a round re-nominates within about that.
    public var addressProbeCooldown: Duration = .seconds(5)
    /// Probes one session may send in a burst over all claimed addresses, and how many per
    /// second refill that budget (at least 1), bounding the reflection a peer (or a replayer)
    /// cycling through many claimed addresses can cause. Values below 1 count as 1.
    public var addressProbeBurst = 10
    public var addressProbesPerSecond = 1
    /// Parser caps applied to incoming checks.
    public var stunLimits = STUNLimits()

    public init() {}
}
