import Codecs

/// A codec we can send or receive, as offered in answers (RFC 8829 §5.3.1 codec matching).
public struct CodecCapability: Sendable, Equatable {
    /// Encoding name as in `a=rtpmap`, compared case-insensitively: `H264`, `VP8`, `opus`, `PCMU`.
    public var name: String
    public var kind: MediaKind
    public var clockRate: Int
    /// Audio channels; nil means one.
    public var channels: Int?
    /// Our format parameters; for H.264, `packetization-mode` and `profile-level-id` drive matching.
    public var fmtp: [String: String]
    /// Feedback we support, e.g. `["nack", "nack pli", "ccm fir"]` (RFC 4585 §4.2).
    public var rtcpFeedback: [String]
    /// How an offered payload type's fmtp must relate to ours (from the codec registry).
    public var formatMatch: FormatParameterMatch

    public init(name: String, kind: MediaKind, clockRate: Int, channels: Int? = nil,
                fmtp: [String: String] = [:], rtcpFeedback: [String] = [], formatMatch: FormatParameterMatch = .any) {
        self.name = name
        self.kind = kind
        self.clockRate = clockRate
        self.channels = channels
        self.fmtp = fmtp
        self.rtcpFeedback = rtcpFeedback
        self.formatMatch = formatMatch
    }
}
