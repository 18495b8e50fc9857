import RTCBase
import SDP

/// Settings of one `RTSPServerSession` (usually shared by every connection of a listener).
public struct RTSPServerConfiguration: Sendable {
    /// Sessions without any request, interleaved frame or `noteActivity` for this long end (RFC 2326
    /// §12.37, announced in the Session header); on TCP the connection closes with them.
    public var sessionTimeout: Duration
    /// A connection without a session that sends no request for this long is closed.
    public var idleTimeout: Duration
    public var serverName: String
    /// Digest nonce issuer; share one (same secret) across connections so nonces survive reconnects.
    public var nonces: RTSPNonceIssuer
    /// Digest nonces one connection may have in use at once (`RTSPAuthVerifier.maxTrackedNonces`).
    public var maxNoncesPerConnection = RTSPAuthVerifier.defaultMaxTrackedNonces
    /// Requests accepted while one waits for the runtime; more get 503.
    public var maxQueuedRequests: Int
    /// Caps for SDP received with ANNOUNCE.
    public var sdpLimits: SDPLimits

    public init(sessionTimeout: Duration = .seconds(60), idleTimeout: Duration = .seconds(20),
                serverName: String = "RTCBridge", nonces: RTSPNonceIssuer = RTSPNonceIssuer(),
                maxQueuedRequests: Int = 8, sdpLimits: SDPLimits = SDPLimits()) {
        self.sessionTimeout = sessionTimeout
        self.idleTimeout = idleTimeout
        self.serverName = serverName
        self.nonces = nonces
        self.maxQueuedRequests = maxQueuedRequests
        self.sdpLimits = sdpLimits
    }
}
