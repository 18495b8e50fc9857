/// Who may read or publish a path and how they prove it (server side of RFC 7617 / RFC 7616).
public struct RTSPAuthPolicy: Sendable, Equatable {
    public var realm: String
    public var users: [RTSPCredentials]
    /// A shared secret any user name may present as its password (the gateway's bearer token).
    public var token: String?
    /// Offer and accept Basic: the password crosses the network in clear text, so only with TLS
    /// or on a trusted network, and only when configured.
    public var allowsBasic: Bool
    /// Digest algorithms offered, in challenge order: the strongest first (RFC 7616 §3.7). ffmpeg
    /// and live555 (VLC) answer the last Digest challenge and only know MD5, so MD5 comes last.
    public var digestAlgorithms: [RTSPDigestAlgorithm]
    /// Passwords neither a user's nor the token (a JWT, a webhook's, …) go to the runtime
    /// (`.checkCredentials`): over Basic, or as `?token=` in the URL. Digest never shows the
    /// server the password, so it cannot be checked that way.
    public var checksExternally: Bool
    /// Set while the client's address has failed too often: every request gets 401 with this
    /// `Retry-After` and the connection closes; nothing is checked.
    public var blockedForSeconds: Int?

    public init(realm: String, users: [RTSPCredentials], token: String? = nil, allowsBasic: Bool = false,
                digestAlgorithms: [RTSPDigestAlgorithm] = [.sha256, .md5], checksExternally: Bool = false,
                blockedForSeconds: Int? = nil) {
        self.realm = realm
        self.users = users
        self.token = token
        self.allowsBasic = allowsBasic
        self.digestAlgorithms = digestAlgorithms
        self.checksExternally = checksExternally
        self.blockedForSeconds = blockedForSeconds
    }

    /// Digest needs a password the server knows: without users or a token only Basic is offered.
    var offersDigest: Bool { !users.isEmpty || token != nil }

    /// The passwords `username` may present: its own, and the token (with any user name).
    func passwords(for username: String) -> [String] {
        users.filter { $0.username == username }.map(\.password) + (token.map { [$0] } ?? [])
    }
}
