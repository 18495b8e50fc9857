import SDP

/// One media section the client sets up.
public struct RTSPTrack: Sendable, Equatable {
    /// Position among the set-up tracks (the `track` of events and `providePorts`).
    public var index: Int
    /// Position of the section in `SessionDescription.media`.
    public var mediaIndex: Int
    public var media: MediaDescription
    /// The resolved `a=control` URL (credentials stripped).
    public var controlURL: RTSPURL

    public init(index: Int, mediaIndex: Int, media: MediaDescription, controlURL: RTSPURL) {
        self.index = index
        self.mediaIndex = mediaIndex
        self.media = media
        self.controlURL = controlURL
    }

    public var kind: MediaKind { media.kind }
}

/// Where a playing track's media flows.
public enum RTSPTrackTransport: Sendable, Equatable {
    /// RTP to `clientRTP` and RTCP to `clientRTCP` on the runtime's sockets; the server sends from
    /// `serverRTP`/`serverRTCP` (when it said so) at `source` (else the RTSP peer's address).
    case udp(clientRTP: UInt16, clientRTCP: UInt16, serverRTP: UInt16?, serverRTCP: UInt16?, source: String?)
    /// Interleaved on the RTSP connection (RFC 2326 §10.12).
    case interleaved(rtp: UInt8, rtcp: UInt8)
}

/// A track once PLAY succeeded.
public struct RTSPPlayingTrack: Sendable, Equatable {
    public var track: RTSPTrack
    public var transport: RTSPTrackTransport
    /// The `ssrc` of the SETUP answer's Transport header, if any.
    public var ssrc: UInt32?
    /// The RTP-Info entry for this track, if the server sent one.
    public var rtpInfo: RTPInfoEntry?
}

/// What `PLAY` established.
public struct RTSPPlayback: Sendable, Equatable {
    public var sessionID: String
    public var tracks: [RTSPPlayingTrack]
    public var range: RTSPRange?
    /// The URL in use (after redirects), without credentials.
    public var url: RTSPURL
}
