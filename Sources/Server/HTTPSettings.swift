/// Settings of the HTTP side (WHEP, pages, API).
public struct HTTPSettings: Sendable {
    public var host = "0.0.0.0"
    public var port = 8889
    /// Allowed CORS origins; ["*"] allows any.
    public var corsOrigins: [String] = ["*"]
    /// When set, WHEP requests need `Authorization: Bearer <token>` (compared in constant time).
    public var bearerToken: String?
    /// Per-path tokens: publishing (WHIP) and reading (WHEP); each falls back to `bearerToken`.
    public var pathTokens: [String: PathTokens] = [:]
    /// ICE servers advertised in `Link` headers (RFC 9725 §4.6), e.g. "stun:stun.example.org:3478".
    public var iceServers: [String] = []
    /// Largest accepted SDP offer body.
    public var maxOfferBytes = 64 * 1024
    public init() {}
}

/// Bearer tokens of one path.
public struct PathTokens: Sendable, Equatable {
    public var publish: String?
    public var read: String?
    public init(publish: String? = nil, read: String? = nil) { self.publish = publish; self.read = read }
}

/// Constant-time comparison for secrets (tokens), so timing does not reveal a prefix match.
public func constantTimeEquals(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    var difference = UInt8(truncatingIfNeeded: x.count ^ y.count)
    for i in 0..<max(x.count, y.count) {
        let p = i < x.count ? x[i] : 0
        let q = i < y.count ? y[i] : 0
        difference |= p ^ q
    }
    return difference == 0
}
