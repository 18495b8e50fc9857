/// A `WWW-Authenticate` challenge (RFC 2326 §12.44 via RFC 7235 §4.1): Basic (RFC 7617 §2) or
/// Digest (RFC 7616 §3.3).
public enum RTSPAuthChallenge: Sendable, Equatable {
    case basic(realm: String)
    case digest(RTSPDigestChallenge)

    /// Parses every challenge of every `WWW-Authenticate` value. Unknown schemes and Digest
    /// challenges with an unsupported algorithm are skipped.
    public static func parse(_ headerValues: [String]) -> [RTSPAuthChallenge] {
        var out: [RTSPAuthChallenge] = []
        for value in headerValues {
            for item in RTSPAuthParameters.parseChallenges(value) {
                switch item.scheme.lowercased() {
                case "basic":
                    out.append(.basic(realm: item["realm"] ?? ""))
                case "digest":
                    if let digest = RTSPDigestChallenge(item) { out.append(.digest(digest)) }
                default:
                    continue
                }
            }
        }
        return out
    }

    /// The strongest challenge: Digest SHA-256, then Digest MD5, then Basic.
    public static func preferred(_ challenges: [RTSPAuthChallenge]) -> RTSPAuthChallenge? {
        challenges.max { rank($0) < rank($1) }
    }

    private static func rank(_ challenge: RTSPAuthChallenge) -> Int {
        switch challenge {
        case .basic: 0
        case .digest(let d): d.algorithm.strength * 2 + (d.supportsAuthQOP ? 1 : 0)
        }
    }

    /// The header text.
    public var headerValue: String {
        switch self {
        case .basic(let realm): "Basic realm=\"\(RTSPAuthParameters.escape(realm))\""
        case .digest(let d): d.headerValue
        }
    }
}
