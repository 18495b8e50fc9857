/// A remote WHIP or WHEP endpoint as written on the command line:
/// `whip://HOST:PORT/PATH[?token=T]` (HTTP), `whips://…` (HTTPS), `whep://…`, `wheps://…`.
/// `endpoint` is the `http(s)://` URL requests go to (without the token); the token, sent as
/// `Authorization: Bearer`, never appears in `description`.
public struct WHIPClientTarget: Sendable, Equatable, CustomStringConvertible {
    public enum Role: String, Sendable {
        /// Push a path to a WHIP endpoint (we send).
        case publish
        /// Pull a stream from a WHEP endpoint (we receive).
        case play
    }

    public var role: Role
    public var endpoint: String
    public var bearerToken: String?

    /// Longest URL accepted.
    public static let maxLength = 2048

    public init(role: Role, endpoint: String, bearerToken: String? = nil) {
        self.role = role
        self.endpoint = endpoint
        self.bearerToken = bearerToken
    }

    /// Whether `text` names a WHIP/WHEP endpoint (by scheme), without checking the rest.
    public static func isClientURL(_ text: String) -> Bool {
        let lowered = text.lowercased()
        return ["whip://", "whips://", "whep://", "wheps://"].contains { lowered.hasPrefix($0) }
    }

    /// Throws a message naming the problem; `token=` is the only query parameter taken out (the
    /// rest of the query goes to the server as written).
    public init(parsing text: String) throws(WHIPClientTargetError) {
        guard text.utf8.count <= Self.maxLength else { throw WHIPClientTargetError("longer than \(Self.maxLength) bytes") }
        guard let schemeEnd = text.firstRange(of: "://") else { throw WHIPClientTargetError("expected whip://HOST:PORT/PATH") }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        let (role, http): (Role, String) = switch scheme {
        case "whip": (.publish, "http")
        case "whips": (.publish, "https")
        case "whep": (.play, "http")
        case "wheps": (.play, "https")
        default: throw WHIPClientTargetError("unknown scheme '\(scheme)': use whip://, whips://, whep:// or wheps://")
        }
        let rest = text[schemeEnd.upperBound...]
        guard !rest.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
            throw WHIPClientTargetError("blanks or control characters in the URL")
        }
        let (beforeQuery, query) = rest.firstIndex(of: "?").map { (rest[..<$0], rest[rest.index(after: $0)...]) }
            ?? (rest, Substring())
        guard let slash = beforeQuery.firstIndex(of: "/"), slash > beforeQuery.startIndex else {
            throw WHIPClientTargetError("expected HOST[:PORT]/PATH after \(scheme)://")
        }
        guard !beforeQuery[..<slash].contains("@") else {
            throw WHIPClientTargetError("user:password@ is not supported: use ?token= (bearer)")
        }
        var token: String?
        var kept: [Substring] = []
        for item in query.split(separator: "&") {
            if item.lowercased().hasPrefix("token=") {
                guard token == nil else { throw WHIPClientTargetError("token= given twice") }
                let value = item.dropFirst("token=".count)
                guard !value.isEmpty else { throw WHIPClientTargetError("token= is empty") }
                token = String(value)
            } else {
                kept.append(item)
            }
        }
        self.init(role: role, endpoint: http + "://" + beforeQuery + (kept.isEmpty ? "" : "?" + kept.joined(separator: "&")),
                  bearerToken: token)
    }

    /// The URL as given, with the token redacted.
    public var description: String {
        let scheme = switch (role, endpoint.lowercased().hasPrefix("https")) {
        case (.publish, false): "whip"
        case (.publish, true): "whips"
        case (.play, false): "whep"
        case (.play, true): "wheps"
        }
        let rest = endpoint.firstRange(of: "://").map { endpoint[$0.upperBound...] } ?? Substring(endpoint)
        return scheme + "://" + rest + (bearerToken == nil ? "" : (rest.contains("?") ? "&" : "?") + "token=<redacted>")
    }
}

/// Why a whip:// / whep:// URL was refused.
public struct WHIPClientTargetError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
