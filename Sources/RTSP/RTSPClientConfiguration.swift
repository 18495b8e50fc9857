import RTCBase
import SDP

/// How a client asks for media (RFC 2326 §10.4, §12.39).
public enum RTSPTransportPreference: Sendable, Equatable {
    /// RTP/AVP over UDP only.
    case udp
    /// RTP/AVP/TCP interleaved on the RTSP connection only.
    case tcp
    /// UDP first; TCP after a 461 answer or when the runtime reports that UDP media did not arrive.
    case automatic
}

/// Settings of one `RTSPClientSession`.
public struct RTSPClientConfiguration: Sendable {
    /// The camera URL; user and password in it are used as credentials unless `credentials` is set.
    public var url: RTSPURL
    public var credentials: RTSPCredentials?
    public var transport: RTSPTransportPreference
    public var userAgent: String
    /// How long to wait for any response.
    public var responseTimeout: Duration
    /// How long `close` waits for the TEARDOWN answer before reporting `.closed`.
    public var teardownTimeout: Duration
    /// Session timeout when the server's `Session` header has none (RFC 2326 §12.37: 60 s).
    public var defaultSessionTimeout: Duration
    public var maxRedirects: Int
    /// Media kinds to SETUP; other sections (e.g. ONVIF metadata) are skipped.
    public var mediaKinds: Set<MediaKind>
    /// At most this many tracks are set up.
    public var maxTracks: Int
    public var sdpLimits: SDPLimits

    public init(url: RTSPURL, credentials: RTSPCredentials? = nil, transport: RTSPTransportPreference = .automatic,
                userAgent: String = "RTCBridge", responseTimeout: Duration = .seconds(10),
                teardownTimeout: Duration = .seconds(2), defaultSessionTimeout: Duration = .seconds(60),
                maxRedirects: Int = 3, mediaKinds: Set<MediaKind> = [.audio, .video], maxTracks: Int = 8,
                sdpLimits: SDPLimits = SDPLimits()) {
        self.url = url
        self.credentials = credentials
            ?? url.user.map { RTSPCredentials(username: $0, password: url.password ?? "") }
        self.transport = transport
        self.userAgent = userAgent
        self.responseTimeout = responseTimeout
        self.teardownTimeout = teardownTimeout
        self.defaultSessionTimeout = defaultSessionTimeout
        self.maxRedirects = maxRedirects
        self.mediaKinds = mediaKinds
        self.maxTracks = maxTracks
        self.sdpLimits = sdpLimits
    }
}
