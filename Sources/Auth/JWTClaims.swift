/// The claims RTCBridge reads from a JWT payload (RFC 7519 §4.1) plus its own `rtcbridge`
/// claim, e.g. `{"exp": 1767225600, "rtcbridge": {"read": ["cam*"], "publish": ["door"], "api": true}}`.
struct JWTClaims: Decodable, Sendable {
    /// The `rtcbridge` claim: path patterns per action, and access to `/api/stats` and `/metrics`.
    struct Grants: Decodable, Sendable {
        var read: [String]?
        var publish: [String]?
        var api: Bool?
    }

    /// `aud`: one string or a list of them (RFC 7519 §4.1.3).
    struct Audience: Decodable, Sendable {
        var values: [String]
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let one = try? container.decode(String.self) { values = [one] } else { values = try container.decode([String].self) }
        }
    }

    var exp: Double?
    var nbf: Double?
    var iss: String?
    var sub: String?
    var aud: Audience?
    var rtcbridge: Grants?
}

/// A JWT's header fields that choose the key.
struct JWTHeaderFields: Decodable, Sendable {
    var alg: String
    var kid: String?
}
