import RTCBase

/// Receiver-side loss detection for one inbound SSRC, producing the sequence numbers to request
/// in generic NACKs (RFC 4585 §6.2.1, §3.5.3). Sans-IO: feed every received sequence number
/// (retransmissions included, with their original number), then drain `poll(now:)` until it
/// returns `.timeout`.
///
/// Each missing packet is NACKed first after `initialDelay` (room for reordering), then again
/// every max(RTT, `minimumRetryInterval`) up to `maxRetries` times. Tracking is bounded: packets
/// older than `maxPacketAge` behind the newest are forgotten, and a loss burst that would track
/// more than `maxMissing` packets clears the list and asks for a keyframe instead.
public struct NACKGenerator: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// NACKs sent per missing packet before giving up on it.
        public var maxRetries = 10
        /// Most missing packets tracked at once.
        public var maxMissing = 1000
        /// Missing packets further than this behind the newest are forgotten.
        public var maxPacketAge = 10_000
        /// Wait before the first NACK of a newly detected gap.
        public var initialDelay: Duration = .zero
        /// Floor for the spacing between NACKs of the same packet.
        public var minimumRetryInterval: Duration = .milliseconds(20)
        /// Retry spacing used until `updateRoundTripTime` is called.
        public var initialRoundTripTime: Duration = .milliseconds(100)
        public init() {}
    }

    public enum Output: Sendable, Equatable {
        /// Send a generic NACK for these sequence numbers (ascending, modulo 2^16).
        case nack([UInt16])
        /// Too much was lost to recover by retransmission: ask the sender for a keyframe.
        case keyframeNeeded
        /// Nothing more to do until this instant (`Instant.distantFuture` when idle).
        case timeout(Instant)
    }

    private struct Missing: Sendable {
        var sequence: Int64
        var detectedAt: Instant
        var lastSentAt: Instant?
        var retries: Int
    }

    public let configuration: Configuration
    public private(set) var roundTripTime: Duration
    private var unwrapper = SequenceNumberUnwrapper()
    private var newest: Int64?
    /// Ascending by `sequence`.
    private var missing: [Missing] = []
    private var keyframePending = false

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
        roundTripTime = configuration.initialRoundTripTime
    }

    /// Packets currently tracked as missing.
    public var missingCount: Int { missing.count }

    /// Updates the retry spacing from a fresh RTT estimate (e.g. from RTCP reports).
    public mutating func updateRoundTripTime(_ roundTripTime: Duration) {
        self.roundTripTime = max(roundTripTime, .zero)
    }

    /// Records a received packet's sequence number, detecting any gap before it. Returns whether
    /// the packet was needed: the first, one ahead of the newest, or one tracked as missing (false
    /// for a duplicate or a packet older than the tracked gaps, e.g. a sender's RTX probe).
    @discardableResult
    public mutating func handle(sequenceNumber: UInt16, at now: Instant) -> Bool {
        let sequence = unwrapper.unwrap(sequenceNumber)
        guard let newest else {
            self.newest = sequence
            return true
        }
        if sequence <= newest {
            guard let index = index(of: sequence) else { return false }
            missing.remove(at: index)
            return true
        }
        let gap = sequence - newest - 1
        self.newest = sequence
        if gap > 0 {
            if gap > Int64(configuration.maxPacketAge) || missing.count + Int(gap) > configuration.maxMissing {
                missing.removeAll()
                keyframePending = true
            } else {
                missing.reserveCapacity(missing.count + Int(gap))
                for lost in (newest + 1)..<sequence {
                    missing.append(Missing(sequence: lost, detectedAt: now, lastSentAt: nil, retries: 0))
                }
            }
        }
        let oldestKept = sequence - Int64(configuration.maxPacketAge)
        if let first = missing.first, first.sequence < oldestKept {
            missing.removeFirst(missing.firstIndex { $0.sequence >= oldestKept } ?? missing.count)
        }
        return true
    }

    /// The next thing to do at `now`. Call until it returns `.timeout`.
    public mutating func poll(now: Instant) -> Output {
        if keyframePending {
            keyframePending = false
            return .keyframeNeeded
        }
        var due: [UInt16] = []
        var kept = 0
        for index in missing.indices {
            var entry = missing[index]
            if now >= deadline(of: entry) {
                due.append(UInt16(truncatingIfNeeded: entry.sequence))
                entry.lastSentAt = now
                entry.retries += 1
            }
            if entry.retries < configuration.maxRetries {
                missing[kept] = entry
                kept += 1
            }
        }
        missing.removeLast(missing.count - kept)
        if !due.isEmpty { return .nack(due) }
        return .timeout(nextDeadline ?? .distantFuture)
    }

    /// When the next NACK falls due, nil when nothing is missing.
    public var nextDeadline: Instant? {
        var earliest: Instant?
        for entry in missing {
            let due = deadline(of: entry)
            if earliest.map({ due < $0 }) ?? true { earliest = due }
        }
        return earliest
    }

    private func deadline(of entry: Missing) -> Instant {
        guard let lastSentAt = entry.lastSentAt else { return entry.detectedAt + configuration.initialDelay }
        return lastSentAt + max(roundTripTime, configuration.minimumRetryInterval)
    }

    private func index(of sequence: Int64) -> Int? {
        var low = 0
        var high = missing.count
        while low < high {
            let middle = (low + high) / 2
            if missing[middle].sequence < sequence { low = middle + 1 } else { high = middle }
        }
        return low < missing.count && missing[low].sequence == sequence ? low : nil
    }
}
