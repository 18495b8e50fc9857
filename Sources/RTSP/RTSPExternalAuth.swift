/// Authentication beyond the configured users and tokens (JWT, …), supplied by the gateway:
/// a password (RTSP Basic: the server sees it) checked by a closure, and a per-address gate on
/// failed attempts. Closures compare equal: settings equality ignores them.
public struct RTSPExternalAuth: Sendable, Equatable {
    /// Whether `password` (a JWT, …) lets `user` do `access` on `path` from `clientIP`; when
    /// set, every path needs credentials. nil: only the users and tokens, and the gate.
    public var checkPassword: (@Sendable (_ path: String, _ access: RTSPAccess, _ user: String, _ password: String,
                                          _ clientIP: String) -> Bool)?
    /// Whether `clientIP` has failed too often: then every credential is refused (401) unchecked.
    public var isBlocked: @Sendable (_ clientIP: String) -> Bool
    /// Counts a failed attempt of `clientIP`.
    public var recordFailure: @Sendable (_ clientIP: String) -> Void

    public init(checkPassword: (@Sendable (String, RTSPAccess, String, String, String) -> Bool)?,
                isBlocked: @escaping @Sendable (String) -> Bool,
                recordFailure: @escaping @Sendable (String) -> Void) {
        self.checkPassword = checkPassword
        self.isBlocked = isBlocked
        self.recordFailure = recordFailure
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { true }
}

/// A password check for one path, access and client (see `RTSPExternalAuth`).
public struct RTSPPasswordCheck: Sendable, Equatable {
    public var verify: @Sendable (_ user: String, _ password: String) -> Bool

    public init(_ verify: @escaping @Sendable (String, String) -> Bool) { self.verify = verify }

    public static func == (lhs: Self, rhs: Self) -> Bool { true }
}
