/// How an SDP answerer chooses among offered payload types of one codec (the codec's offer/answer
/// rules for `a=fmtp`), after name, clock rate and channels agree.
public enum FormatParameterMatch: Sendable, Equatable {
    /// Any offered payload type of the codec will do.
    case any
    /// These fmtp parameters must be equal on both sides (absent means "0"): VP9 `profile-id`,
    /// AV1 `profile`.
    case sameValues([String])
    /// H.264 (RFC 6184 §8.1, §8.2.2): the same `packetization-mode` (absent = 0); our profile
    /// wins, else a Constrained Baseline/Baseline mismatch is accepted.
    case h264ProfileLevelID
}

extension CodecDescriptor {
    /// The codec's SDP rule for picking an offered payload type.
    public var formatParameterMatch: FormatParameterMatch {
        switch format {
        case .h264: .h264ProfileLevelID
        case .vp9: .sameValues(["profile-id"])   // RTP payload format for VP9 (RFC 9628 §6)
        case .av1: .sameValues(["profile"])      // AV1 RTP specification §7.2
        case .h265, .vp8, .opus, .pcmu, .pcma, .aac, .aacLATM: .any
        }
    }
}
