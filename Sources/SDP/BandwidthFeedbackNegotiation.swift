/// What a receiver answers so that a sender can estimate its bandwidth: the transport-wide
/// sequence number header extension with `a=rtcp-fb:… transport-cc`
/// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §4) and `a=rtcp-fb:… goog-remb`
/// (draft-alvestrand-rmcat-remb-03 §3). Used for WHIP publishers; viewers' answers leave them out.
public enum BandwidthFeedbackNegotiation {
    public static let transportWideSequenceURI = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
    public static let transportCC = "transport-cc"
    public static let receiverEstimatedMaximumBitrate = "goog-remb"
}

extension AnswerOptions {
    /// Accepts the transport-wide sequence number extension and adds `transport-cc` and
    /// `goog-remb` to every codec's feedback (echoed only where the offer has them).
    public mutating func acceptBandwidthFeedback() {
        supportedExtensions.insert(BandwidthFeedbackNegotiation.transportWideSequenceURI)
        for index in codecs.indices {
            for feedback in [BandwidthFeedbackNegotiation.transportCC, BandwidthFeedbackNegotiation.receiverEstimatedMaximumBitrate]
            where !codecs[index].rtcpFeedback.contains(feedback) {
                codecs[index].rtcpFeedback.append(feedback)
            }
        }
    }
}

extension NegotiatedMedia {
    /// The answered id of the transport-wide sequence number extension, if accepted.
    public var transportWideSequenceExtensionID: Int? {
        extensions.first { $0.uri == BandwidthFeedbackNegotiation.transportWideSequenceURI }?.id
    }

    /// Both sides agreed on transport-wide feedback (`transport-cc`).
    public var negotiatesTransportCC: Bool { rtcpFeedback.contains(BandwidthFeedbackNegotiation.transportCC) }

    /// Both sides agreed on REMB (`goog-remb`).
    public var negotiatesREMB: Bool { rtcpFeedback.contains(BandwidthFeedbackNegotiation.receiverEstimatedMaximumBitrate) }
}
