import RTCBase

/// Puts one RTP stream (one SSRC) back in sequence order before outputs that cannot take holes or
/// reordering (RTP/RTSP egress, recordings), asking the sender for what is missing (generic NACK,
/// RFC 4585 §6.2.1) while it waits. Sans-IO: `insert` every received packet, then drain
/// `poll(now:)` until it returns `.timeout`, and call `poll` again at that instant.
///
/// Bounded both ways: at most `maxPackets` packets are held, and no packet waits longer than
/// `maxDelay` for a gap before it. Past either bound the gap is given up on, counted as lost, and
/// the packets after it are released. A packet arriving after its place was released is late:
/// it is dropped and counted, never released out of order. A packet more than `maxPackets`
/// behind the release point is a sender restart (a new random sequence start, RFC 3550 §5.1):
/// what is held is released as it is and the stream starts over from that packet.
public struct RTPReorderBuffer: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// Most packets held while waiting for a gap (1...32768).
        public var maxPackets = 512
        /// Longest a packet waits for a gap before it.
        public var maxDelay: Duration = .milliseconds(200)
        /// Loss detection for NACKs; nil when the sender cannot retransmit (nothing is asked).
        public var nack: NACKGenerator.Configuration? = NACKGenerator.Configuration()
        public init() {}
    }

    public enum Output: Sendable, Equatable {
        /// The next packet in sequence order.
        case release(RTPPacket)
        /// Ask the sender to retransmit these sequence numbers (generic NACK).
        case nack([UInt16])
        /// Loss too large to repair: ask the sender for a keyframe.
        case keyframeNeeded
        /// Nothing more until this instant (`Instant.distantFuture` when nothing is held).
        case timeout(Instant)
    }

    /// What the buffer did so far.
    public struct Counters: Sendable, Equatable {
        /// Packets released in order.
        public var released = 0
        /// Sequence numbers given up on (never received in time).
        public var lost = 0
        /// Packets that came after their place was released (dropped).
        public var late = 0
        /// Packets received twice while held (dropped).
        public var duplicates = 0
        /// Packets that arrived out of order and were put back in place.
        public var reordered = 0
        /// Gaps given up on because `maxPackets` was reached (the rest waited `maxDelay`).
        public var overflows = 0
        /// Sender restarts (a jump back by more than `maxPackets`).
        public var restarts = 0
        /// Total time packets were held, for the mean added latency.
        public var heldNanoseconds: UInt64 = 0
        public init() {}
    }

    private struct Held: Sendable {
        var packet: RTPPacket
        var sequence: Int64
        var arrival: Instant
    }

    public let configuration: Configuration
    public private(set) var counters = Counters()
    private var unwrapper = SequenceNumberUnwrapper()
    private var nacks: NACKGenerator?
    /// The sequence number released next; nil before the first packet.
    private var next: Int64?
    /// Ascending by `sequence`, all at or after `next`.
    private var held: [Held] = []
    /// Earliest arrival among `held`.
    private var oldestArrival: Instant?
    /// Packets of the stream before a restart, released first as they are.
    private var flushing: [RTPPacket] = []

    public init(configuration: Configuration = .init()) {
        var configuration = configuration
        configuration.maxPackets = min(max(configuration.maxPackets, 1), 32_768)
        configuration.maxDelay = max(configuration.maxDelay, .zero)
        self.configuration = configuration
        nacks = configuration.nack.map { NACKGenerator(configuration: $0) }
    }

    /// Packets held now.
    public var count: Int { held.count + flushing.count }

    /// Updates the NACK retry spacing from a fresh RTT estimate.
    public mutating func updateRoundTripTime(_ roundTripTime: Duration) {
        nacks?.updateRoundTripTime(roundTripTime)
    }

    /// One received packet (a retransmission already unwrapped to its original sequence number).
    public mutating func insert(_ packet: RTPPacket, at now: Instant) {
        let sequence = unwrapper.unwrap(packet.sequenceNumber)
        guard let next else {
            self.next = sequence
            held = [Held(packet: packet, sequence: sequence, arrival: now)]
            oldestArrival = now
            nacks?.handle(sequenceNumber: packet.sequenceNumber, at: now)
            return
        }
        if sequence < next {
            if next - sequence > Int64(configuration.maxPackets) {
                restart(with: packet, at: now)
            } else {
                counters.late += 1
            }
            return
        }
        let position = insertionIndex(of: sequence)
        if position < held.count, held[position].sequence == sequence {
            counters.duplicates += 1
            return
        }
        if position < held.count { counters.reordered += 1 }
        nacks?.handle(sequenceNumber: packet.sequenceNumber, at: now)
        held.insert(Held(packet: packet, sequence: sequence, arrival: now), at: position)
        oldestArrival = min(oldestArrival ?? now, now)
    }

    /// Forgets everything held and starts over with the next packet (e.g. after an SSRC change).
    public mutating func reset() {
        unwrapper = SequenceNumberUnwrapper()
        nacks = configuration.nack.map { NACKGenerator(configuration: $0) }
        next = nil
        held.removeAll()
        flushing.removeAll()
        oldestArrival = nil
    }

    /// Releases everything held, in order, giving up on every gap (a source that ended or
    /// restarted); the next packet starts the stream over.
    public mutating func releaseAll() -> [RTPPacket] {
        var packets = flushing
        var expected = next
        for entry in held {
            if let expected, entry.sequence > expected { counters.lost += Int(min(entry.sequence - expected, Int64(Int.max))) }
            expected = entry.sequence + 1
            packets.append(entry.packet)
        }
        counters.released += packets.count
        reset()
        return packets
    }

    /// The next thing to do at `now`. Call until it returns `.timeout`.
    public mutating func poll(now: Instant) -> Output {
        if !flushing.isEmpty {
            counters.released += 1
            return .release(flushing.removeFirst())
        }
        if let packet = releaseNext(now: now) { return .release(packet) }
        if nacks != nil {
            switch nacks?.poll(now: now) {
            case .nack(let lost)?:
                // Only what the buffer still waits for is worth asking again.
                let wanted = lost.filter { isAwaited($0) }
                if !wanted.isEmpty { return .nack(wanted) }
                return poll(now: now)
            case .keyframeNeeded?: return .keyframeNeeded
            case .timeout, nil: break
            }
        }
        return .timeout(nextDeadline)
    }

    /// When `poll` has something to do next.
    public var nextDeadline: Instant {
        var deadline = Instant.distantFuture
        if !held.isEmpty, let oldestArrival { deadline = oldestArrival + configuration.maxDelay }
        if !held.isEmpty, let nackDeadline = nacks?.nextDeadline { deadline = min(deadline, nackDeadline) }
        return deadline
    }

    /// Releases the head if it is `next`, else gives up on the gap before it when a bound is hit.
    private mutating func releaseNext(now: Instant) -> RTPPacket? {
        guard let next, let first = held.first else { return nil }
        if first.sequence != next {
            let overflow = held.count > configuration.maxPackets
            guard overflow || now >= (oldestArrival ?? now) + configuration.maxDelay else { return nil }
            if overflow { counters.overflows += 1 }
            counters.lost += Int(min(first.sequence - next, Int64(Int.max)))
        }
        held.removeFirst()
        self.next = first.sequence + 1
        oldestArrival = held.lazy.map(\.arrival).min()
        counters.released += 1
        let waited = now - first.arrival
        counters.heldNanoseconds &+= UInt64(max(waited.nanosecondsClamped, 0))
        return first.packet
    }

    private mutating func restart(with packet: RTPPacket, at now: Instant) {
        counters.restarts += 1
        let before = held.map(\.packet)
        let remembered = flushing + before
        reset()
        flushing = remembered
        insert(packet, at: now)
    }

    private func isAwaited(_ sequenceNumber: UInt16) -> Bool {
        guard let next else { return false }
        return unwrapper.unwrapped(sequenceNumber) >= next
    }

    private func insertionIndex(of sequence: Int64) -> Int {
        if let last = held.last, last.sequence < sequence { return held.count }
        var low = 0
        var high = held.count
        while low < high {
            let middle = (low + high) / 2
            if held[middle].sequence < sequence { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
