/// A track we send in one media section, signalled with `a=msid` (RFC 8830 §2) and
/// `a=ssrc:<ssrc> cname:` / `msid:` lines (RFC 5576 §4.1).
public struct LocalTrack: Sendable, Equatable {
    public var ssrc: UInt32
    public var cname: String
    public var streamID: String
    public var trackID: String
    /// The SSRC of this track's RTX stream (RFC 4588), signalled with `a=ssrc-group:FID` when RTX
    /// is negotiated.
    public var rtxSSRC: UInt32?

    public init(ssrc: UInt32, cname: String, streamID: String, trackID: String, rtxSSRC: UInt32? = nil) {
        self.ssrc = ssrc
        self.rtxSSRC = rtxSSRC
        self.cname = cname
        self.streamID = streamID
        self.trackID = trackID
    }
}
