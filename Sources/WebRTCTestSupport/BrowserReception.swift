import RTCBase
import RTP

/// What `BrowserPeer` knows about one SSRC it receives, as a browser's receiver keeps it: how many
/// packets were decrypted, the span of sequence numbers seen, and (when NACKs are on) the loss
/// tracking that asks the sender for missing packets with generic NACKs (RFC 4585 §6.2.1).
public struct BrowserReception: Sendable {
    public let ssrc: UInt32
    /// Packets decrypted; each sequence number counts once (SRTP's replay window drops repeats).
    public private(set) var received = 0
    /// Lowest and newest sequence number seen, unwrapped.
    public private(set) var lowest: Int64?
    public private(set) var newest: Int64?
    /// Sequence numbers asked for in NACKs (a number asked for again counts again).
    public private(set) var nackedPackets = 0
    /// Times the loss tracker gave up on a burst and asked for a keyframe (PLI) instead.
    public private(set) var keyframeRequests = 0
    var nacks: NACKGenerator?
    private var unwrapper = SequenceNumberUnwrapper()

    init(ssrc: UInt32, nack: NACKGenerator.Configuration?) {
        self.ssrc = ssrc
        nacks = nack.map { NACKGenerator(configuration: $0) }
    }

    /// Sequence numbers between the lowest and the newest that have not arrived (so far).
    public var missing: Int {
        guard let lowest, let newest else { return 0 }
        return max(0, Int(newest - lowest + 1) - received)
    }

    mutating func record(sequenceNumber: UInt16, at now: Instant) {
        let sequence = unwrapper.unwrapped(sequenceNumber)
        if newest.map({ sequence > $0 }) ?? true {
            newest = sequence
            _ = unwrapper.unwrap(sequenceNumber)
        }
        lowest = min(lowest ?? sequence, sequence)
        received += 1
        nacks?.handle(sequenceNumber: sequenceNumber, at: now)
    }

    /// The feedback due at `now`: generic NACKs and PLIs, sent as `feedbackSSRC`.
    mutating func dueFeedback(now: Instant, feedbackSSRC: UInt32) -> [RTCPPacket] {
        var feedback: [RTCPPacket] = []
        for _ in 0..<1_000 {
            switch nacks?.poll(now: now) {
            case .nack(let lost):
                nackedPackets += lost.count
                feedback.append(.genericNACK(RTCPGenericNACK(senderSSRC: feedbackSSRC, mediaSSRC: ssrc,
                                                             lostSequenceNumbers: lost)))
            case .keyframeNeeded:
                keyframeRequests += 1
                feedback.append(.pictureLossIndication(RTCPPictureLossIndication(senderSSRC: feedbackSSRC, mediaSSRC: ssrc)))
            case .timeout, nil:
                return feedback
            }
        }
        return feedback
    }

    /// When the next NACK falls due, nil when none is pending.
    var nextDeadline: Instant? { nacks?.nextDeadline }
}
