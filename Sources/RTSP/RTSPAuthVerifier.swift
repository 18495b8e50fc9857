import RTCBase

/// Checks `Authorization` headers against a policy (RFC 7617 §2, RFC 7616 §3.4, §3.5).
public struct RTSPAuthVerifier: Sendable {
    public enum Outcome: Sendable, Equatable {
        case authorized(username: String)
        /// Answer 401 with these `WWW-Authenticate` values.
        case challenge(wwwAuthenticate: [String])
    }

    public var nonces: RTSPNonceIssuer

    public init(nonces: RTSPNonceIssuer = RTSPNonceIssuer()) { self.nonces = nonces }

    /// The challenges for a 401 (stale marks Digest challenges `stale=TRUE`).
    public func challenges(for policy: RTSPAuthPolicy, now: Instant, stale: Bool = false) -> [String] {
        let nonce = nonces.issue(now: now)
        var out = policy.digestAlgorithms.map {
            RTSPAuthChallenge.digest(RTSPDigestChallenge(realm: policy.realm, nonce: nonce, algorithm: $0, qop: ["auth"], stale: stale)).headerValue
        }
        if policy.allowsBasic { out.append(RTSPAuthChallenge.basic(realm: policy.realm).headerValue) }
        return out
    }

    public func verify(_ request: RTSPRequest, policy: RTSPAuthPolicy, now: Instant) -> Outcome {
        guard let header = request.headers["Authorization"],
              let credentials = RTSPAuthParameters.parseCredentials(header) else {
            return .challenge(wwwAuthenticate: challenges(for: policy, now: now))
        }
        switch credentials.scheme.lowercased() {
        case "basic" where policy.allowsBasic:
            guard let token = credentials.token, let decoded = Base64.decode(token, maxBytes: 3072),
                  let text = String(validating: decoded, as: UTF8.self), let (user, password) = text.splitOnce(":"),
                  let known = policy.users.first(where: { $0.username == user }),
                  DigestComputation.constantTimeEqual(known.password, String(password)) else { break }
            return .authorized(username: known.username)
        case "digest":
            guard let username = credentials["username"], let nonce = credentials["nonce"],
                  let uri = credentials["uri"], let response = credentials["response"],
                  (credentials["realm"] ?? "") == policy.realm,
                  uri == request.uri || RTSPURL(string: request.uri).map({ $0.path + ($0.query.map { "?\($0)" } ?? "") }) == uri
            else { break }
            let algorithm = credentials["algorithm"].flatMap { RTSPDigestAlgorithm(token: $0) } ?? .md5
            guard policy.digestAlgorithms.contains(algorithm),
                  let known = policy.users.first(where: { $0.username == username }) else { break }
            let qop = credentials["qop"]
            guard qop == nil || (qop == "auth" && credentials["nc"] != nil && credentials["cnonce"] != nil) else { break }
            let expected = DigestComputation.response(
                algorithm: algorithm, username: username, realm: policy.realm, password: known.password,
                method: request.method.rawValue, uri: uri, nonce: nonce, nc: qop == nil ? nil : credentials["nc"],
                cnonce: credentials["cnonce"], qop: qop)
            guard DigestComputation.constantTimeEqual(expected, response.lowercased()) else { break }
            switch nonces.validate(nonce, now: now) {
            case .valid: return .authorized(username: username)
            case .stale: return .challenge(wwwAuthenticate: challenges(for: policy, now: now, stale: true))
            case .invalid: break
            }
        default:
            break
        }
        return .challenge(wwwAuthenticate: challenges(for: policy, now: now))
    }
}
