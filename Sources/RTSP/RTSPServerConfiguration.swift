import RTCBase
import SDP

/// Settings of one `RTSPServerSession` (usually shared by every connection of a listener).
public struct RTSPServerConfiguration: Sendable {
    /// Sessions on UDP transport without any request or `noteActivity` for this long are reaped
    /// (RFC 2326 §12.37). Sessions on TCP live as long as their connection.
    public var sessionTimeout: Duration
    public var serverName: String
    /// Digest nonce issuer; share one (same secret) across connections so nonces survive reconnects.
    public var nonces: RTSPNonceIssuer
    /// Requests accepted while one waits for the runtime; more get 503.
    public var maxQueuedRequests: Int
    /// Caps for SDP received with ANNOUNCE.
    public var sdpLimits: SDPLimits

    public init(sessionTimeout: Duration = .seconds(60), serverName: String = "RTCBridge",
                nonces: RTSPNonceIssuer = RTSPNonceIssuer(), maxQueuedRequests: Int = 8,
                sdpLimits: SDPLimits = SDPLimits()) {
        self.sessionTimeout = sessionTimeout
        self.serverName = serverName
        self.nonces = nonces
        self.maxQueuedRequests = maxQueuedRequests
        self.sdpLimits = sdpLimits
    }
}
