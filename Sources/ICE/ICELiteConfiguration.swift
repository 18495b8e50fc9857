import STUN

/// Settings of an `ICELiteAgent`.
public struct ICELiteConfiguration: Sendable, Hashable {
    /// Consent freshness (RFC 7675 §5.1): without an authenticated check for this long the session
    /// is considered gone. RFC 7675 uses 30 s.
    public var consentTimeout: Duration = .seconds(30)
    /// Most remote addresses remembered as validated (media accepted from them); the least recently
    /// checked one, never the selected one, is evicted to make room. Values below 1 count as 1.
    public var maxValidatedAddresses = 8
    /// Parser caps applied to incoming checks.
    public var stunLimits = STUNLimits()

    public init() {}
}
