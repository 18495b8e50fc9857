import Foundation
import RTCBase

/// Checks a compact JWS (RFC 7515 §7.1) against a `JWTKeySet` and the configured issuer and
/// audience, at a time the caller passes (seconds since 1970): sans-IO and synchronous.
///
/// Refused: more than `maxTokenBytes`, not three base64url parts, `alg` other than HS256/RS256/
/// ES256 (`none` included), an `alg` that is not the chosen key's, an unknown `kid`, a bad
/// signature, no `exp`, `exp` passed or `nbf` ahead (each with `leeway`), a wrong `iss`/`aud`.
public struct JWTVerifier: Sendable {
    public var keys: JWTKeySet
    public var issuer: String?
    public var audience: String?
    /// Clock skew tolerated on `exp` and `nbf`.
    public var leewaySeconds: Double
    public var maxTokenBytes: Int

    public static let defaultMaxTokenBytes = 8192

    public init(keys: JWTKeySet, issuer: String? = nil, audience: String? = nil, leewaySeconds: Double = 30,
                maxTokenBytes: Int = defaultMaxTokenBytes) {
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.leewaySeconds = leewaySeconds
        self.maxTokenBytes = maxTokenBytes
    }

    /// Whether `token` is shaped like a compact JWS (three dot-separated parts), so a static
    /// token is not mistaken for one.
    public static func looksLikeJWT(_ token: String) -> Bool {
        token.utf8.count(where: { $0 == UInt8(ascii: ".") }) == 2
    }

    /// The grant a valid token carries, or why it is refused.
    public func verify(_ token: String, now: Double) -> Result<JWTGrant, AuthDenial> {
        guard token.utf8.count <= maxTokenBytes else { return .failure(.malformedToken) }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty,
              let headerBytes = Self.base64URLDecode(parts[0]), let payloadBytes = Self.base64URLDecode(parts[1]),
              let header = try? JSONDecoder().decode(JWTHeaderFields.self, from: Data(headerBytes)) else {
            return .failure(.malformedToken)
        }
        let key: JWTKeySet.Key
        switch keys.key(algorithm: header.alg, kid: header.kid) {
        case .success(let found): key = found
        case .failure(let denial): return .failure(denial)
        }
        guard let signature = Self.base64URLDecode(parts[2]), !signature.isEmpty else { return .failure(.badSignature) }
        let signingInput = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        guard (try? key.verifier.verify(signature, signs: signingInput)) == true else { return .failure(.badSignature) }
        guard let claims = try? JSONDecoder().decode(JWTClaims.self, from: Data(payloadBytes)) else {
            return .failure(.malformedToken)
        }
        guard let exp = claims.exp, exp.isFinite else { return .failure(.expired) }
        guard now <= exp + leewaySeconds else { return .failure(.expired) }
        if let nbf = claims.nbf {
            guard nbf.isFinite, now + leewaySeconds >= nbf else { return .failure(.notYetValid) }
        }
        if let issuer, claims.iss != issuer { return .failure(.wrongIssuer) }
        if let audience, !(claims.aud?.values.contains(audience) ?? false) { return .failure(.wrongAudience) }
        let grants = claims.rtcbridge
        return .success(JWTGrant(subject: claims.sub,
                                 read: (grants?.read ?? []).compactMap(AuthPathPattern.init),
                                 publish: (grants?.publish ?? []).compactMap(AuthPathPattern.init),
                                 api: grants?.api ?? false))
    }

    /// base64url without padding (RFC 7515 §2); nil on padding, '+', '/' or any other stray byte.
    static func base64URLDecode(_ text: Substring) -> [UInt8]? {
        var standard = ""
        standard.reserveCapacity(text.utf8.count)
        for char in text.unicodeScalars {
            switch char {
            case "-": standard.unicodeScalars.append("+")
            case "_": standard.unicodeScalars.append("/")
            case "+", "/", "=": return nil
            default: standard.unicodeScalars.append(char)
            }
        }
        return Base64.decode(standard, maxBytes: defaultMaxTokenBytes)
    }
}

/// What a valid token allows: path patterns per action, and the API.
public struct JWTGrant: Sendable, Equatable {
    public var subject: String?
    public var read: [AuthPathPattern]
    public var publish: [AuthPathPattern]
    public var api: Bool

    /// nil when the grant covers `action` on `path` over `protocol`, else why not.
    public func denial(path: String, action: AuthAction, protocol: AuthProtocol) -> AuthDenial? {
        if `protocol` == .api { return api ? nil : .actionNotAllowed }
        let own = action == .read ? read : publish
        if own.contains(where: { $0.matches(path) }) { return nil }
        let other = action == .read ? publish : read
        return other.contains(where: { $0.matches(path) }) ? .actionNotAllowed : .pathNotAllowed
    }
}
