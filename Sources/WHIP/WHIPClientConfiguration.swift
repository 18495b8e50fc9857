import RTCBase

/// Settings and caps of a `WHIPClient`; every size read from a response is bounded.
public struct WHIPClientConfiguration: Sendable {
    /// 307/308 redirects followed for one POST (RFC 9725 §4.5); one more fails the attempt.
    public var maxRedirects = 5
    /// Longest Location accepted (bytes).
    public var maxLocationBytes = 2048
    /// Link fields longer than this are ignored whole; at most `maxICEServers` servers are kept.
    public var maxLinkFieldBytes = 8192
    public var maxICEServers = 8
    /// How much of an error body is kept as the reason (bytes, first line only).
    public var maxReasonBytes = 200
    /// Failed attempts in a row before giving up for good; nil: keep trying (a gateway's forward
    /// or pulled source). A connected session resets the count.
    public var maxAttempts: Int?
    /// Delays between attempts: exponential from 1 s, capped at 30 s, ±20 % jitter.
    public var backoff = ReconnectBackoff()

    public init() {}
}
