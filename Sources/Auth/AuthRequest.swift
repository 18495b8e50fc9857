/// The protocol a request arrived over; webhooks and logs see it by its raw value.
public enum AuthProtocol: String, Sendable, Hashable, Codable {
    case whep
    case whip
    case rtsp
    /// `GET /api/stats`, `GET /metrics`.
    case api
}

/// One access decision to make: who (address, user name, presented token) wants to do what
/// (`action`) on which path, over which protocol. `token` is a secret: it is never logged.
public struct AuthRequest: Sendable, Hashable {
    public var path: String
    public var action: AuthAction
    public var `protocol`: AuthProtocol
    /// The client's IP address as text ("" when unknown).
    public var clientIP: String
    /// The RTSP user name, when the client gave one.
    public var user: String?
    /// The bearer token (HTTP) or the password (RTSP Basic).
    public var token: String?

    public init(path: String, action: AuthAction, protocol: AuthProtocol, clientIP: String, user: String? = nil,
                token: String? = nil) {
        self.path = path
        self.action = action
        self.protocol = `protocol`
        self.clientIP = clientIP
        self.user = user
        self.token = token
    }
}
