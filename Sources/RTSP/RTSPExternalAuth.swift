/// Authentication beyond the configured users and tokens (JWT, an auth webhook, …), supplied by
/// the gateway: credentials the session cannot check itself are handed to the runtime
/// (`.checkCredentials`), which asks `check` off the event loop and resumes the session with the
/// verdict; plus a per-address gate on failed attempts. Closures compare equal: settings
/// equality ignores them.
public struct RTSPExternalAuth: Sendable, Equatable {
    /// Decides credentials neither a user's nor a token (asynchronously: it may ask a webhook).
    /// When set, every path needs credentials. nil: only the users and tokens, and the gate.
    public var check: (@Sendable (_ credentials: RTSPCredentialCheck, _ clientIP: String) async -> RTSPCredentialVerdict)?
    /// Seconds until `clientIP` may try again when it has failed too often (nil: not blocked).
    /// While blocked every request to a protected path gets 401 and the connection closes.
    public var blockedFor: @Sendable (_ clientIP: String) -> Int?
    /// Counts a failed attempt of `clientIP` (the ones the session refused itself).
    public var recordFailure: @Sendable (_ clientIP: String) -> Void

    public init(check: (@Sendable (RTSPCredentialCheck, String) async -> RTSPCredentialVerdict)?,
                blockedFor: @escaping @Sendable (String) -> Int?,
                recordFailure: @escaping @Sendable (String) -> Void) {
        self.check = check
        self.blockedFor = blockedFor
        self.recordFailure = recordFailure
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { true }
}

/// Credentials the session hands to the runtime: a Basic user and password, or a `?token=`
/// from the URL (no user). `password` is a secret: never logged.
public struct RTSPCredentialCheck: Sendable, Equatable {
    public var path: String
    public var access: RTSPAccess
    public var username: String?
    public var password: String

    public init(path: String, access: RTSPAccess, username: String?, password: String) {
        self.path = path
        self.access = access
        self.username = username
        self.password = password
    }
}

/// The runtime's answer to `.checkCredentials`.
public enum RTSPCredentialVerdict: Sendable, Equatable {
    /// The request goes on (and the path and access stay authorized on this connection).
    case allow
    /// 401 with fresh challenges: other credentials may do.
    case deny
    /// 403: the credentials are valid but do not cover this path or action.
    case forbidden
    /// Too many failed attempts from this address: 401 with `Retry-After`, then the connection closes.
    case blocked(retryAfterSeconds: Int)
}
