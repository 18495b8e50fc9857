import RTCBase

/// Identifies a question the server session asked the runtime.
public struct RTSPQueryID: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "q\(rawValue)" }
}

/// Why a server session ended.
public enum RTSPSessionEndReason: Sendable, Equatable { case teardown, timedOut, connectionClosed }

/// What a server session reports to the runtime.
public enum RTSPServerEvent: Sendable, Equatable {
    /// Answer with `resolve(_:with:now:)` (nil: the path does not exist).
    case lookup(RTSPQueryID, path: String, access: RTSPAccess)
    /// An authorized reader wants a path whose source starts on demand: start it, then answer with
    /// `resolve(_:with:now:)` (its description once it publishes, or none when it gave up).
    case wake(RTSPQueryID, path: String)
    /// Bind an RTP/RTCP UDP pair for this track; answer `provideServerPorts` or `rejectTransport`.
    case needServerPorts(RTSPQueryID, path: String, mediaIndex: Int, clientRTP: UInt16, clientRTCP: UInt16)
    /// A reader wants media: attach it, then answer `acceptPlay` with RTP-Info; send media only
    /// after the PLAY answer that follows has been written.
    case play(RTSPQueryID, RTSPServerStream)
    case pause(sessionID: String)
    /// A publisher starts sending (interleaved frames or UDP to the server ports).
    case record(RTSPServerStream)
    /// Stop media of this session and release its ports.
    case sessionClosed(sessionID: String, reason: RTSPSessionEndReason)
    /// A request failed authentication (for logs and rate limiting; user may be nil).
    case authenticationFailed(path: String, username: String?)
    /// Credentials only the runtime can decide (JWT, webhook): answer `resolveCredentials`
    /// (requests that arrive meanwhile are queued, in order).
    case checkCredentials(RTSPQueryID, RTSPCredentialCheck)
    /// A refusal that ends the connection (too many failed attempts) was answered: close it.
    case closeConnection
    /// Nothing arrived for `idleTimeout` (no session) or `sessionTimeout` (a session on TCP, which
    /// has ended): close the connection.
    case connectionIdle
}

/// What the runtime must do next for a server connection.
public enum RTSPServerOutput: Sendable, Equatable {
    case send(RTSPResponse)
    case event(RTSPServerEvent)
    /// Call `handleTimeout(now:)` at this instant (`.distantFuture` = never).
    case timeout(Instant)
}
