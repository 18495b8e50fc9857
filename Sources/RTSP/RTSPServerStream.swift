import SDP

/// Where one served track flows.
public enum RTSPServerTrackTransport: Sendable, Equatable {
    /// UDP between the client's ports (at the TCP peer's IP) and the runtime's server ports.
    case udp(clientRTP: UInt16, clientRTCP: UInt16, serverRTP: UInt16, serverRTCP: UInt16)
    /// Interleaved on this connection (RFC 2326 §10.12).
    case interleaved(rtp: UInt8, rtcp: UInt8)
}

/// One set-up track of a server session.
public struct RTSPServerTrack: Sendable, Equatable {
    /// Index of the media section in the path's (or the announced) description.
    public var mediaIndex: Int
    public var transport: RTSPServerTrackTransport

    public init(mediaIndex: Int, transport: RTSPServerTrackTransport) {
        self.mediaIndex = mediaIndex
        self.transport = transport
    }
}

/// A reader's PLAY (answer with `acceptPlay`) or a publisher's RECORD.
public struct RTSPServerStream: Sendable, Equatable {
    public var sessionID: String
    public var path: String
    public var tracks: [RTSPServerTrack]
    /// The announced description (RECORD) or the one served by DESCRIBE (PLAY), if any.
    public var description: SessionDescription?
}

/// RTP-Info values for one track of a PLAY answer.
public struct RTSPServerRTPInfo: Sendable, Equatable {
    public var mediaIndex: Int
    public var sequenceNumber: UInt16
    public var rtpTimestamp: UInt32
    public init(mediaIndex: Int, sequenceNumber: UInt16, rtpTimestamp: UInt32) {
        self.mediaIndex = mediaIndex
        self.sequenceNumber = sequenceNumber
        self.rtpTimestamp = rtpTimestamp
    }
}
