import RTCBase

/// Where the RTSP server listens, its UDP media ports, its limits, and who may read or publish which
/// path (users per path, the gateway's tokens).
public struct RTSPServerSettings: Sendable, Equatable {
    /// Users of one path, per access.
    public struct PathUsers: Sendable, Equatable {
        public var read: [RTSPCredentials]
        public var publish: [RTSPCredentials]
    }

    /// Tokens (shared secrets) per access; RTSP clients present them as the Digest password with
    /// any user name.
    public struct Tokens: Sendable, Equatable {
        public var read: String?
        public var publish: String?
        public init(read: String? = nil, publish: String? = nil) { self.read = read; self.publish = publish }
    }

    public var host = "0.0.0.0"
    public var port = 8554
    /// The shared UDP server ports (RTP, RTCP) every UDP session uses, like MediaMTX's 8000/8001.
    /// 0 binds an ephemeral port (tests).
    public var udpRTPPort = 8000
    public var udpRTCPPort = 8001
    /// Offer UDP transport; when false, SETUP over UDP gets 461 and clients fall back to TCP.
    public var udpEnabled = true
    /// Sessions without any request or client RTCP for this long end (RFC 2326 §12.37); on TCP the
    /// connection closes with its session.
    public var sessionTimeout: Duration = .seconds(60)
    /// Connections without a session that send no request for this long are closed.
    public var idleTimeout: Duration = .seconds(20)
    /// TCP connections open at once; the ones over the cap are closed as soon as they are accepted.
    public var maxConnections = 512
    /// TCP connections open at once from one IP address, so one client cannot take every slot.
    public var maxConnectionsPerClient = 64
    /// Bytes of answers and media queued for one connection before the server stops reading its
    /// requests (and drops media) until the peer reads.
    public var maxQueuedWriteBytes = 512 * 1024
    /// Caps on what one connection's requests may make the parser buffer (start line, header
    /// count and size, URL, body, interleaved frames); past one, the connection is closed.
    public var limits = RTSPLimits()
    /// Requests one connection may queue while an earlier one waits (e.g. for an on-demand
    /// source to describe itself); more are answered 503.
    public var maxQueuedRequests = 8
    /// Realm of the Digest (and Basic) challenges.
    public var realm = "RTCBridge"
    /// Accept Basic credentials. Off by default: the password crosses the network in clear text.
    public var allowsBasic = false
    /// How long a Digest nonce stays usable (RFC 7616 §5.4); each nonce count is accepted once.
    public var nonceLifetime: Duration = RTSPNonceIssuer.defaultLifetime
    /// Digest nonces one connection may have in use at once (replay tracking is per nonce).
    public var maxNoncesPerConnection = RTSPAuthVerifier.defaultMaxTrackedNonces
    public private(set) var users: [String: PathUsers] = [:]
    /// The gateway-wide token (`--token`): needed for every path that has no token of its own.
    public var token: String?
    public private(set) var pathTokens: [String: Tokens] = [:]
    /// JWT (…) checks and the failed-attempt gate; when set, every path needs credentials.
    public var externalAuth: RTSPExternalAuth?

    public init() {}

    /// Users ("user:password") allowed to read or publish a path over RTSP; none = open. A path
    /// with users for an access requires Digest (or, when enabled, Basic) authentication for it.
    public mutating func setUsers(path: String, read: [String], publish: [String]) throws {
        func parse(_ entries: [String], _ what: String) throws -> [RTSPCredentials] {
            try entries.enumerated().map { index, entry in
                guard let colon = entry.firstIndex(of: ":"), colon != entry.startIndex else {
                    // Never echo the entry: it holds a password.
                    throw RTSPSettingsError("path '\(path)': \(what) entry #\(index + 1) is not 'user:password'")
                }
                return RTSPCredentials(username: String(entry[..<colon]), password: String(entry[entry.index(after: colon)...]))
            }
        }
        let entry = PathUsers(read: try parse(read, "readUsers"), publish: try parse(publish, "publishUsers"))
        users[path] = entry.read.isEmpty && entry.publish.isEmpty ? nil : entry
    }

    /// A path's own tokens; each access without one falls back to `token`.
    public mutating func setTokens(path: String, _ tokens: Tokens) {
        pathTokens[path] = tokens.read == nil && tokens.publish == nil ? nil : tokens
    }

    /// The token an access of a path needs, if any.
    func token(path: String, access: RTSPAccess) -> String? {
        let own = pathTokens[path]
        return (access == .read ? own?.read : own?.publish) ?? token
    }

    /// The authentication policy of a path for an access; nil when open.
    public func authentication(path: String, access: RTSPAccess, clientIP: String = "") -> RTSPAuthPolicy? {
        let entry = users[path]
        let list = (access == .read ? entry?.read : entry?.publish) ?? []
        let token = token(path: path, access: access)
        let checksExternally = externalAuth?.check != nil
        guard !list.isEmpty || token != nil || checksExternally else { return nil }
        // Too many failures from this address: nothing is accepted (401, close), no provider is asked.
        if let seconds = externalAuth?.blockedFor(clientIP) {
            return RTSPAuthPolicy(realm: realm, users: [], allowsBasic: allowsBasic, blockedForSeconds: max(1, seconds))
        }
        return RTSPAuthPolicy(realm: realm, users: list, token: token, allowsBasic: allowsBasic, checksExternally: checksExternally)
    }

    /// Takes `other`'s users and path tokens (a reload): connections look them up per request,
    /// so the next request sees them; what was authorized before stays authorized.
    public mutating func takeAccess(of other: RTSPServerSettings) {
        users = other.users
        pathTokens = other.pathTokens
    }

    /// Who may read `paths` and publish into `publishable` ones, for the startup log; never a secret.
    /// E.g. "read open, except cam (users); publish into push requires token; Digest".
    public func accessSummary(paths: [String], publishable: [String]) -> String {
        func requirement(_ path: String, _ access: RTSPAccess) -> String {
            let hasUsers = !((access == .read ? users[path]?.read : users[path]?.publish) ?? []).isEmpty
            switch (token(path: path, access: access) != nil, hasUsers) {
            case (false, false): return externalAuth?.check == nil ? "open" : "requires JWT or webhook"
            case (true, false): return "requires token"
            case (false, true): return "requires users"
            case (true, true): return "requires token or users"
            }
        }
        return AccessSummary.line("read", paths: paths) { requirement($0, .read) } + "; "
            + AccessSummary.line("publish", paths: publishable) { requirement($0, .publish) }
            + (allowsBasic ? "; Digest or Basic" : "; Digest") + (externalAuth?.check == nil ? "" : "; JWT or webhook over Basic or ?token=")
    }
}

extension RTSPServerSettings: CustomStringConvertible {
    /// The settings without their secrets (tokens and passwords are only said to be there).
    public var description: String {
        "RTSP \(host):\(port) (UDP \(udpEnabled ? "\(udpRTPPort)/\(udpRTCPPort)" : "off"), "
            + "maxConnections \(maxConnections), per client \(maxConnectionsPerClient), idleTimeout \(idleTimeout), "
            + "sessionTimeout \(sessionTimeout), nonceLifetime \(nonceLifetime), Basic \(allowsBasic ? "on" : "off"), "
            + "token \(token == nil ? "none" : "set"), path tokens \(pathTokens.keys.sorted()), users \(users.keys.sorted()))"
    }
}

/// A refused RTSP server setting; the text names the path and entry, never a password.
public struct RTSPSettingsError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
