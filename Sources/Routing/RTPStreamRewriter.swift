import RTCBase
import RTP

/// The per-viewer, per-track pass-through rewrite (house plan §3): the viewer sees one RTP stream
/// (RFC 3550 §5.1) with its own SSRC, sequence numbers rising by exactly one per emitted packet,
/// and timestamps that follow the source within a source epoch. When the source restarts (a new
/// `sourceEpoch`), timestamps continue from the last emitted one advanced by the wall-clock gap,
/// so the viewer's jitter buffer and decoder see a pause, not a jump (RFC 3550 §5.1: the
/// timestamp must stay monotonic and linear in time). Allocation-free; the caller writes the
/// returned values (and `ssrc`, and its own payload type) into the outgoing packet.
public struct RTPStreamRewriter: Sendable {
    /// The outbound SSRC, random by default.
    public let ssrc: UInt32
    private var nextSequenceNumber: UInt16
    /// Added (mod 2^32) to source timestamps of the current epoch.
    private var timestampOffset: UInt32
    private var firstTimestamp: UInt32
    private var current: (sourceEpoch: Int, lastTimestamp: UInt32, lastArrival: Instant)?

    /// A rewriter with a random SSRC, initial sequence number and initial timestamp (RFC 3550 §5.1).
    public init() {
        self.init(ssrc: SecureRandom.uint32(), initialSequenceNumber: SecureRandom.uint16(),
                  initialTimestamp: SecureRandom.uint32())
    }

    /// A rewriter with chosen starting values (tests, or continuing an existing stream).
    public init(ssrc: UInt32, initialSequenceNumber: UInt16, initialTimestamp: UInt32) {
        self.ssrc = ssrc
        self.nextSequenceNumber = initialSequenceNumber
        self.firstTimestamp = initialTimestamp
        self.timestampOffset = 0
    }

    /// The sequence number and timestamp to send `packet` with. `arrival` is when the packet (or its
    /// unit) arrived; `clockRate` is the track's RTP clock rate in Hz.
    public mutating func rewrite(_ packet: RTPPacket, sourceEpoch: Int, arrival: Instant,
                                 clockRate: Int) -> (sequenceNumber: UInt16, timestamp: UInt32) {
        if let current {
            if current.sourceEpoch != sourceEpoch {
                // Continue from the last emitted timestamp, advanced by the wall-clock gap (at least
                // one tick, so the first frame of the new source is not taken for the previous one).
                let gap = Swift.max(1, Self.ticks(in: arrival - current.lastArrival, clockRate: clockRate))
                timestampOffset = current.lastTimestamp &+ gap &- packet.timestamp
            }
        } else {
            timestampOffset = firstTimestamp &- packet.timestamp
        }
        let timestamp = packet.timestamp &+ timestampOffset
        let sequenceNumber = nextSequenceNumber
        nextSequenceNumber &+= 1
        current = (sourceEpoch, timestamp, arrival)
        return (sequenceNumber, timestamp)
    }

    /// Sequence number and timestamp for a cached unit being sent again (a keyframe request
    /// answered from the GOP cache). Sequence numbers continue; the timestamp sits one tick after
    /// the last emitted one per replayed unit (`startsUnit`), so the decoder takes the units as new
    /// frames and the next live frame, a frame interval later, still comes after them.
    /// Nil before anything was emitted (there is nothing to recover then).
    public mutating func rewriteReplayed(startsUnit: Bool) -> (sequenceNumber: UInt16, timestamp: UInt32)? {
        guard var current else { return nil }
        if startsUnit { current.lastTimestamp &+= 1 }
        self.current = current
        let sequenceNumber = nextSequenceNumber
        nextSequenceNumber &+= 1
        return (sequenceNumber, current.lastTimestamp)
    }

    /// `duration` in RTP ticks at `clockRate`, modulo 2^32 (RTP timestamps wrap); 0 for negative
    /// durations or non-positive clock rates.
    static func ticks(in duration: Duration, clockRate: Int) -> UInt32 {
        let nanoseconds = duration.nanosecondsClamped
        guard nanoseconds > 0, clockRate > 0 else { return 0 }
        let rate = UInt64(clockRate)
        let seconds = UInt64(nanoseconds / 1_000_000_000)
        let remainder = UInt64(nanoseconds % 1_000_000_000)
        let whole = seconds &* rate
        let fraction = remainder.multipliedFullWidth(by: rate)
        let (fractionTicks, _) = UInt64(1_000_000_000).dividingFullWidth(fraction)
        return UInt32(truncatingIfNeeded: whole &+ fractionTicks)
    }
}
