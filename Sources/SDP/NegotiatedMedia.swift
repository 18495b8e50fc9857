/// The outcome of answering one offered media section (RFC 8829 §5.3.1).
public struct NegotiatedMedia: Sendable, Equatable {
    /// Position of the section in the offer (and in the answer).
    public var index: Int
    public var mid: String?
    public var kind: MediaKind
    public var accepted: Bool
    /// Why the section was answered with port 0; nil when accepted.
    public var rejectionReason: String?
    /// Our capability carrying the offer's fmtp for the chosen payload type.
    public var codec: CodecCapability?
    /// The offer's payload type number for `codec`.
    public var payloadType: UInt8?
    /// Feedback both sides support.
    public var rtcpFeedback: [String]
    /// Header extensions we accepted, with the offer's ids.
    public var extensions: [ExtMap]
    /// Our direction in the answer.
    public var direction: MediaDirection
    /// SSRCs the offerer announced for this section (`a=ssrc`).
    public var remoteSSRCs: [UInt32]
    /// Whether the offer carried `a=rtcp-rsize` (RFC 5506), echoed in the answer.
    public var rtcpReducedSize: Bool
    /// For an accepted data channel section: the peer's SCTP port and the largest message it
    /// accepts (RFC 8841 §6.1: 65,536 when the offer does not say; 0 means no limit).
    public var remoteSCTPPort: UInt16?
    public var remoteMaxMessageSize: Int?
    /// The simulcast layers (rids) accepted from the offerer, in the offer's order; empty without simulcast.
    public var simulcastRIDs: [String] = []
    /// The offer's RTX payload type for the codec (RFC 4588 §8.1, `apt=`), answered with the same
    /// number; nil when RTX was not offered, not accepted (`AnswerOptions.retransmission`) or no NACK.
    public var retransmissionPayloadType: UInt8?
    /// The offer's RED payload type carrying the codec (RFC 2198, Opus), answered when accepted.
    public var redundancyPayloadType: UInt8?
    /// The offer's `a=ssrc-group:FID <media> <rtx>` pairs (RFC 5576 §4.2), RTX SSRC → media SSRC,
    /// at most `AnswerOptions.maxRetransmissionPairs`.
    public var remoteRetransmissionSSRCs: [UInt32: UInt32] = [:]

    public init(index: Int, mid: String?, kind: MediaKind, accepted: Bool, rejectionReason: String? = nil,
                codec: CodecCapability? = nil, payloadType: UInt8? = nil, rtcpFeedback: [String] = [],
                extensions: [ExtMap] = [], direction: MediaDirection = .inactive, remoteSSRCs: [UInt32] = [],
                rtcpReducedSize: Bool = false) {
        self.index = index
        self.mid = mid
        self.kind = kind
        self.accepted = accepted
        self.rejectionReason = rejectionReason
        self.codec = codec
        self.payloadType = payloadType
        self.rtcpFeedback = rtcpFeedback
        self.extensions = extensions
        self.direction = direction
        self.remoteSSRCs = remoteSSRCs
        self.rtcpReducedSize = rtcpReducedSize
    }
}
