import RTCBase

/// Checks `Authorization` headers against a policy (RFC 7617 §2, RFC 7616 §3.4, §3.5). One per
/// connection: its nonces are bound to it, and it remembers the nonce counts (qop=auth) or the
/// responses (legacy RFC 2069 Digest) it accepted, so a replayed header is refused.
public struct RTSPAuthVerifier: Sendable {
    public enum Outcome: Sendable, Equatable {
        case authorized(username: String)
        /// Credentials only the runtime can decide (`policy.checksExternally`): a Basic user
        /// and password, or a `?token=` (no user).
        case external(username: String?, password: String)
        /// Answer 401 with these `WWW-Authenticate` values.
        case challenge(wwwAuthenticate: [String])
    }

    /// What was accepted with one nonce.
    struct NonceUse: Sendable {
        var firstUse: Instant
        var highestCount: UInt32 = 0
        var responses: Set<String> = []
    }

    /// Nonces in use at once per connection by default; a connection authenticates once per path
    /// and access, so legitimate clients need one or two.
    public static let defaultMaxTrackedNonces = 16
    /// Decoded Basic credentials ("user:password") at most (the 4096 base64 characters a
    /// token68 may have): room for a JWT as the password.
    public static let maxBasicCredentialBytes = 3072

    public var nonces: RTSPNonceIssuer
    /// Carried by the nonces this verifier issues; nonces of other connections are stale here.
    public let binding: UInt64
    /// Nonces accepted and still live at once; a new one past it is refused until one expires.
    public let maxTrackedNonces: Int
    private var uses: [String: NonceUse] = [:]

    public init(nonces: RTSPNonceIssuer = RTSPNonceIssuer(),
                binding: UInt64 = UInt64(SecureRandom.uint32()) << 32 | UInt64(SecureRandom.uint32()),
                maxTrackedNonces: Int = defaultMaxTrackedNonces) {
        self.nonces = nonces
        self.binding = binding
        self.maxTrackedNonces = maxTrackedNonces
    }

    /// The challenges for a 401 (stale marks Digest challenges `stale=TRUE`).
    public func challenges(for policy: RTSPAuthPolicy, now: Instant, stale: Bool = false) -> [String] {
        let nonce = nonces.issue(now: now, binding: binding)
        var out = (policy.offersDigest ? policy.digestAlgorithms : []).map {
            RTSPAuthChallenge.digest(RTSPDigestChallenge(realm: policy.realm, nonce: nonce, algorithm: $0, qop: ["auth"], stale: stale)).headerValue
        }
        if policy.allowsBasic { out.append(RTSPAuthChallenge.basic(realm: policy.realm).headerValue) }
        return out
    }

    public mutating func verify(_ request: RTSPRequest, policy: RTSPAuthPolicy, now: Instant) -> Outcome {
        // A JWT in the URL (`?token=`), for clients whose password field is too short for one
        // (ffmpeg keeps 127 bytes of "user:password"); only the password check may accept it.
        if policy.checksExternally, let token = Self.queryToken(request.uri) {
            return .external(username: nil, password: token)
        }
        guard let header = request.headers["Authorization"],
              let credentials = RTSPAuthParameters.parseCredentials(header) else {
            return .challenge(wwwAuthenticate: challenges(for: policy, now: now))
        }
        switch credentials.scheme.lowercased() {
        case "basic" where policy.allowsBasic:
            guard let token = credentials.token, let decoded = Base64.decode(token, maxBytes: Self.maxBasicCredentialBytes),
                  let text = String(validating: decoded, as: UTF8.self), let (user, password) = text.splitOnce(":") else { break }
            let (username, secret) = (String(user), String(password))
            if Self.anyEqual(policy.passwords(for: username), secret) { return .authorized(username: username) }
            if policy.checksExternally { return .external(username: username, password: secret) }
        case "digest":
            if let outcome = verifyDigest(credentials, request: request, policy: policy, now: now) { return outcome }
        default:
            break
        }
        return .challenge(wwwAuthenticate: challenges(for: policy, now: now))
    }

    /// nil when the credentials are wrong, replayed or unusable (→ a fresh challenge).
    private mutating func verifyDigest(_ credentials: RTSPAuthParameters, request: RTSPRequest, policy: RTSPAuthPolicy,
                                       now: Instant) -> Outcome? {
        guard let username = credentials["username"], let nonce = credentials["nonce"],
              let uri = credentials["uri"], let response = credentials["response"]?.lowercased(),
              (credentials["realm"] ?? "") == policy.realm,
              uri == request.uri || RTSPURL(string: request.uri).map({ $0.path + ($0.query.map { "?\($0)" } ?? "") }) == uri
        else { return nil }
        let algorithm = credentials["algorithm"].flatMap { RTSPDigestAlgorithm(token: $0) } ?? .md5
        guard policy.digestAlgorithms.contains(algorithm) else { return nil }
        let qop = credentials["qop"]
        var count: UInt32?
        if let qop {
            guard qop == "auth", let nc = credentials["nc"], nc.utf8.count == 8, let value = UInt32(nc, radix: 16), value > 0,
                  credentials["cnonce"] != nil else { return nil }
            count = value
        }
        let expected = policy.passwords(for: username).map { password in
            DigestComputation.response(
                algorithm: algorithm, username: username, realm: policy.realm, password: password,
                method: request.method.rawValue, uri: uri, nonce: nonce, nc: qop == nil ? nil : credentials["nc"],
                cnonce: credentials["cnonce"], qop: qop)
        }
        guard Self.anyEqual(expected, response) else { return nil }
        switch nonces.validate(nonce, now: now, binding: binding) {
        case .valid: break
        case .stale: return .challenge(wwwAuthenticate: challenges(for: policy, now: now, stale: true))
        case .invalid: return nil
        }
        // Replays: each nonce count once and in increasing order (qop=auth), each legacy response once.
        uses = uses.filter { now - $0.value.firstUse <= nonces.lifetime }
        var use = uses[nonce] ?? NonceUse(firstUse: now)
        if uses[nonce] == nil, uses.count >= maxTrackedNonces { return nil }
        if let count {
            guard count > use.highestCount else { return nil }
            use.highestCount = count
        } else {
            guard !use.responses.contains(response) else { return nil }
            use.responses.insert(response)
        }
        uses[nonce] = use
        return .authorized(username: username)
    }

    /// Bytes of a `?token=` value at most.
    public static let maxQueryTokenBytes = 8192

    /// The `token` parameter of the request URI's query, if any (at most `maxQueryTokenBytes`).
    public static func queryToken(_ uri: String) -> String? {
        guard let mark = uri.firstIndex(of: "?") else { return nil }
        let query = uri[uri.index(after: mark)...].prefix { $0 != "#" }
        for parameter in query.split(separator: "&") where parameter.hasPrefix("token=") {
            let value = parameter.dropFirst("token=".count)
            guard !value.isEmpty, value.utf8.count <= maxQueryTokenBytes else { return nil }
            return String(value)
        }
        return nil
    }

    /// Whether any candidate equals `presented`, comparing every candidate in constant time.
    private static func anyEqual(_ candidates: [String], _ presented: String) -> Bool {
        var found = false
        for candidate in candidates where constantTimeEquals(candidate, presented) { found = true }
        return found
    }
}
