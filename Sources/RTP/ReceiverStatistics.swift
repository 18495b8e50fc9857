import RTCBase

/// Reception statistics for one inbound SSRC, as RFC 3550 Appendix A.1 (sequence validation),
/// A.3 (expected and lost packets) and A.8 (interarrival jitter) describe, plus LSR/DLSR from
/// the last sender report (§6.4.1). Feeds a reception report block for RR/SR packets.
///
/// Differences from A.1: no probation (the first packet starts the stream); jitter is updated
/// only by packets that advance the highest sequence number, so retransmissions and late
/// packets do not inflate it.
public struct ReceiverStatistics: Sendable {
    /// A.1: a forward jump of this many or more is suspect; two in a row restart the stream.
    static let maxDropout: UInt16 = 3000
    /// A.1: a backward step of up to this many is a reordered or duplicate packet.
    static let maxMisorder: UInt16 = 100
    private static let noBadSequence = UInt32.max

    public let ssrc: UInt32
    public let clockRate: Int

    private var started = false
    private var maxSequence: UInt16 = 0
    /// Sequence-number wraps so far times 2^16.
    private var cycles: UInt64 = 0
    private var baseSequence: UInt64 = 0
    private var badSequence = noBadSequence
    /// Packets accepted since the (re)start.
    public private(set) var packetsReceived: UInt64 = 0
    private var expectedPrior: Int64 = 0
    private var receivedPrior: Int64 = 0
    /// Jitter scaled by 16 (A.8 integer form).
    private var scaledJitter: Int64 = 0
    private var lastTransit: Int32?
    private var lastSenderReport: (middle32: UInt32, arrival: Instant)?

    public init(ssrc: UInt32, clockRate: Int) {
        self.ssrc = ssrc
        self.clockRate = max(clockRate, 1)
    }

    /// Cycle count and highest sequence number, as the report's extended highest sequence.
    public var extendedHighestSequence: UInt32 { UInt32(truncatingIfNeeded: cycles + UInt64(maxSequence)) }

    /// Packets expected since the (re)start (A.3).
    public var expectedPackets: Int64 {
        started ? Int64(clamping: cycles + UInt64(maxSequence)) - Int64(clamping: baseSequence) + 1 : 0
    }

    /// Cumulative lost packets (A.3); negative when duplicates outnumber losses.
    public var cumulativeLost: Int64 { expectedPackets - Int64(clamping: packetsReceived) }

    /// Interarrival jitter in RTP timestamp units (A.8).
    public var jitter: UInt32 { UInt32(clamping: scaledJitter >> 4) }

    /// Records one received RTP packet arriving at `arrival`. Returns false when A.1 sets it
    /// aside: a large sequence jump not (yet) confirmed by the following packet.
    @discardableResult
    public mutating func handle(sequenceNumber: UInt16, rtpTimestamp: UInt32, arrival: Instant) -> Bool {
        guard started else {
            restart(at: sequenceNumber)
            started = true
            packetsReceived = 1
            updateJitter(rtpTimestamp: rtpTimestamp, arrival: arrival)
            return true
        }
        let delta = sequenceNumber &- maxSequence
        var advanced = false
        if delta < Self.maxDropout {
            if delta > 0 {
                if sequenceNumber < maxSequence { cycles &+= 1 << 16 }
                maxSequence = sequenceNumber
                advanced = true
            }
        } else if delta <= UInt16.max - Self.maxMisorder + 1 {
            // A very large jump: accept only if the previous packet was exactly one before.
            guard UInt32(sequenceNumber) == badSequence else {
                badSequence = UInt32(sequenceNumber &+ 1)
                return false
            }
            restart(at: sequenceNumber)
            lastTransit = nil
            advanced = true
        }
        packetsReceived &+= 1
        if advanced { updateJitter(rtpTimestamp: rtpTimestamp, arrival: arrival) }
        return true
    }

    /// Records a sender report from this source (for the LSR and DLSR fields).
    public mutating func handleSenderReport(ntpTimestamp: UInt64, arrival: Instant) {
        lastSenderReport = (NTPTimestamp(rawValue: ntpTimestamp).middle32, arrival)
    }

    /// Builds a reception report block for `now` and starts a new fraction-lost interval (A.3).
    public mutating func makeReceptionReport(now: Instant) -> RTCPReceptionReport {
        let expected = expectedPackets
        let received = Int64(clamping: packetsReceived)
        let expectedInterval = expected - expectedPrior
        let lostInterval = expectedInterval - (received - receivedPrior)
        expectedPrior = expected
        receivedPrior = received
        let fraction: UInt8 = expectedInterval <= 0 || lostInterval <= 0
            ? 0 : UInt8(clamping: (lostInterval << 8) / expectedInterval)
        let range = RTCPReceptionReport.cumulativeLostRange
        let lost = Int32(clamping: min(max(cumulativeLost, Int64(range.lowerBound)), Int64(range.upperBound)))
        var lastSR: UInt32 = 0
        var delay: UInt32 = 0
        if let sr = lastSenderReport {
            lastSR = sr.middle32
            delay = RTPClock.compactUnits(now - sr.arrival)
        }
        return RTCPReceptionReport(ssrc: ssrc, fractionLost: fraction, cumulativeLost: lost,
                                   extendedHighestSequence: extendedHighestSequence, jitter: jitter,
                                   lastSenderReport: lastSR, delaySinceLastSenderReport: delay)
    }

    /// A.1 init_seq.
    private mutating func restart(at sequenceNumber: UInt16) {
        baseSequence = UInt64(sequenceNumber)
        maxSequence = sequenceNumber
        badSequence = Self.noBadSequence
        cycles = 0
        packetsReceived = 0
        expectedPrior = 0
        receivedPrior = 0
    }

    /// A.8: J += (|D| - J) / 16, with D the change in transit time between packets.
    private mutating func updateJitter(rtpTimestamp: UInt32, arrival: Instant) {
        let arrivalTicks = RTPClock.ticks(at: arrival, clockRate: clockRate)
        let transit = Int32(bitPattern: arrivalTicks &- rtpTimestamp)
        defer { lastTransit = transit }
        guard let lastTransit else { return }
        let difference = transit &- lastTransit  // wrapping, as the 32-bit timestamps do
        scaledJitter += Int64(difference.magnitude) - ((scaledJitter + 8) >> 4)
    }
}
