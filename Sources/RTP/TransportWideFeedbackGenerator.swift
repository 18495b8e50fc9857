import RTCBase

/// The receive side of transport-wide congestion control
/// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2–3), sans-IO: it records the
/// transport-wide sequence number and arrival time of every packet and, every `interval` (or on
/// demand), turns them into transport-cc feedback packets for the sender's bandwidth estimator.
///
/// Recording a packet is one unwrap and one array append; sorting, de-duplicating and encoding
/// happen once per feedback. State is bounded: at most `maxTrackedPackets` arrivals wait for the
/// next feedback (more are dropped and counted; the session sends feedback as soon as
/// `maxPacketsPerFeedback` are waiting).
///
/// Reference time and deltas use the 250 µs tick grid of the arrival clock: the reference time is
/// the first arrival of a feedback in 64 ms units (24 bits, wrapping), each delta the tick
/// difference to the previous received packet, so rounding never accumulates. A delta outside the
/// 16-bit signed range (±8.19 s) starts a new feedback packet.
public struct TransportWideFeedbackGenerator: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// Time between feedback packets while packets arrive (libwebrtc: 50–250 ms).
        public var interval: Duration = .milliseconds(50)
        /// Arrivals kept until the next feedback; more are dropped (`counters.droppedArrivals`).
        public var maxTrackedPackets = 2048
        /// Most packet statuses (received or lost) in one feedback packet; a longer range is split,
        /// and a run of lost packets longer than this is not reported (`counters.skippedGaps`).
        public var maxPacketsPerFeedback = 256
        public init() {}
    }

    public struct Counters: Sendable, Equatable {
        public var packetsRecorded = 0
        /// Arrivals dropped because `maxTrackedPackets` were already waiting.
        public var droppedArrivals = 0
        /// Arrivals for a sequence number already reported (late reordering, duplicates).
        public var lateArrivals = 0
        /// Runs of more than `maxPacketsPerFeedback` missing numbers left out of the feedback.
        public var skippedGaps = 0
        public var feedbackPacketsBuilt = 0
        public init() {}
    }

    struct Arrival: Sendable {
        var sequence: Int64
        /// Arrival in 250 µs ticks of the session clock.
        var tick: Int64
    }

    public let configuration: Configuration
    public private(set) var counters = Counters()
    private var unwrapper = SequenceNumberUnwrapper()
    private var arrivals: [Arrival] = []
    /// The first unwrapped number the next feedback reports (everything before it was reported).
    private var nextSequence: Int64?
    private var feedbackCount: UInt8 = 0
    /// When the next periodic feedback is due; nil while nothing is waiting.
    public private(set) var nextDeadline: Instant?
    private var lastFeedback: Instant?

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        arrivals.reserveCapacity(min(max(configuration.maxTrackedPackets, 0), 4096))
    }

    static let tickNanoseconds: UInt64 = 250_000
    /// One reference-time unit (64 ms) in ticks.
    static let ticksPerReference: Int64 = 256

    /// Records one received packet carrying transport-wide sequence number `sequenceNumber`.
    public mutating func record(sequenceNumber: UInt16, arrival: Instant) {
        guard arrivals.count < configuration.maxTrackedPackets else {
            counters.droppedArrivals += 1
            return
        }
        arrivals.append(Arrival(sequence: unwrapper.unwrap(sequenceNumber),
                                tick: Int64(arrival.nanoseconds / Self.tickNanoseconds)))
        counters.packetsRecorded += 1
        if nextDeadline == nil {
            let due = (lastFeedback ?? arrival) + configuration.interval
            nextDeadline = max(due, arrival)
        }
    }

    /// Whether feedback should be built now: the interval elapsed, or a full feedback is waiting.
    public func isDue(now: Instant) -> Bool {
        guard let nextDeadline else { return false }
        return now >= nextDeadline || arrivals.count >= configuration.maxPacketsPerFeedback
    }

    /// Feedback packets for every arrival recorded since the last call (none when nothing arrived),
    /// and the periodic deadline restarts. The packets go into one RTCP compound, in order.
    public mutating func makeFeedback(senderSSRC: UInt32, mediaSSRC: UInt32, now: Instant) -> [RTCPTransportWideFeedback] {
        lastFeedback = now
        nextDeadline = nil
        guard !arrivals.isEmpty else { return [] }
        var pending = arrivals
        arrivals.removeAll(keepingCapacity: true)
        if !Self.isSorted(pending) {
            pending.sort { $0.sequence < $1.sequence || ($0.sequence == $1.sequence && $0.tick < $1.tick) }
        }
        var feedback: [RTCPTransportWideFeedback] = []
        var builder: Builder?
        for arrival in pending {
            if let next = nextSequence, arrival.sequence < next {
                counters.lateArrivals += 1   // reported already (as lost or received), or a duplicate
                continue
            }
            if var current = builder {
                if current.append(arrival, maxStatuses: configuration.maxPacketsPerFeedback) {
                    builder = current
                    nextSequence = arrival.sequence + 1
                    continue
                }
                feedback.append(current.finish(senderSSRC: senderSSRC, mediaSSRC: mediaSSRC, count: feedbackCount))
                feedbackCount &+= 1
            }
            // Numbers missing since the last reported one open the new feedback as lost, unless
            // they are more than one feedback can hold.
            var leadingLost = arrival.sequence - (nextSequence ?? arrival.sequence)
            if leadingLost >= Int64(configuration.maxPacketsPerFeedback) {
                counters.skippedGaps += 1
                leadingLost = 0
            }
            builder = Builder(first: arrival, leadingLost: Int(leadingLost))
            nextSequence = arrival.sequence + 1
        }
        if let current = builder {
            feedback.append(current.finish(senderSSRC: senderSSRC, mediaSSRC: mediaSSRC, count: feedbackCount))
            feedbackCount &+= 1
        }
        counters.feedbackPacketsBuilt += feedback.count
        return feedback
    }

    private static func isSorted(_ arrivals: [Arrival]) -> Bool {
        var previous = Int64.min
        for arrival in arrivals {
            guard arrival.sequence > previous else { return false }
            previous = arrival.sequence
        }
        return true
    }

    /// One feedback packet under construction: consecutive numbers from `base`, a nil delta for
    /// each missing one.
    private struct Builder {
        let base: Int64
        let referenceTick: Int64
        var lastTick: Int64
        var nextSequence: Int64
        var deltas: [Int64?]

        /// Starts with `leadingLost` numbers before `first` reported as lost (0 ≤ it < the cap).
        init(first: Arrival, leadingLost: Int) {
            base = first.sequence - Int64(leadingLost)
            referenceTick = first.tick - first.tick % TransportWideFeedbackGenerator.ticksPerReference
            lastTick = referenceTick
            nextSequence = base
            deltas = []
            deltas.reserveCapacity(leadingLost + 16)
            _ = append(first, maxStatuses: Int.max)
        }

        /// Adds `arrival` (numbers between the last one and it as lost); false when it does not fit
        /// (too many statuses, or a delta beyond 16 bits), and nothing changed.
        mutating func append(_ arrival: Arrival, maxStatuses: Int) -> Bool {
            let missing = arrival.sequence - nextSequence
            guard missing >= 0, Int64(deltas.count) + missing + 1 <= Int64(maxStatuses) else { return false }
            let delta = arrival.tick - lastTick
            guard delta >= Int64(Int16.min), delta <= Int64(Int16.max) else { return false }
            if missing > 0 { deltas.append(contentsOf: repeatElement(nil, count: Int(missing))) }
            deltas.append(delta * RTCPTransportWideFeedback.tickMicroseconds)
            lastTick = arrival.tick
            nextSequence = arrival.sequence + 1
            return true
        }

        func finish(senderSSRC: UInt32, mediaSSRC: UInt32, count: UInt8) -> RTCPTransportWideFeedback {
            let reference = UInt32(truncatingIfNeeded: referenceTick / TransportWideFeedbackGenerator.ticksPerReference) & 0xFF_FFFF
            return RTCPTransportWideFeedback(senderSSRC: senderSSRC, mediaSSRC: mediaSSRC,
                                             baseSequenceNumber: UInt16(truncatingIfNeeded: base),
                                             referenceTime: reference, feedbackCount: count, deltasMicroseconds: deltas)
        }
    }
}
