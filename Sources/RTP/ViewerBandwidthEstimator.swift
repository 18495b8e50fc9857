import RTCBase

/// A send-side bandwidth estimate for one viewer, sans-IO: how many bits per second the gateway may
/// send it. The caller books every packet it sends with its transport-wide sequence number
/// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2) and hands over what the viewer reports:
///
/// - **Transport-wide feedback** (where negotiated) drives a delay-based and a loss-based bound.
///   Delay: each reported packet's one-way delay (arrival on the viewer's clock minus our send
///   time; the unknown clock offset cancels) is compared with the lowest delay seen lately. A
///   queue that holds more than `overuseQueueDelay` while the delay trend of the feedback rises
///   (or more than twice that in any case) is overuse: the bound drops to `decreaseFactor` × the
///   rate the viewer acknowledged over the last `ackedRateWindow`. Otherwise it grows by
///   `increasePerSecond`. Loss: the share of packets reported lost over at least
///   `lossEvaluationInterval` (libwebrtc's loss-based rule): above `backoffLoss` the bound falls
///   to the estimate × (1 − loss / 2), below `holdLoss` it grows, in between it holds.
/// - **REMB** (draft-alvestrand-rmcat-remb-03) caps the estimate; **receiver reports** (RFC 3550
///   §6.4.1, fraction lost) feed the loss-based bound when there is no transport-wide feedback.
///
/// The estimate is the smallest bound, within `minBitrate...maxBitrate`. It does not probe with
/// padding: while nothing shows overuse it grows, and the next layer up is the probe (the layer
/// selector backs off after a failed one). Malformed feedback is impossible here (it was parsed);
/// feedback for packets we no longer remember (older than `historySize` packets) is counted.
public struct ViewerBandwidthEstimator: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var minBitrate: UInt64 = 100_000
        public var maxBitrate: UInt64 = 10_000_000
        public var startBitrate: UInt64 = 1_000_000
        /// Sent packets remembered for feedback (1...32,768; clamped).
        public var historySize = 4096
        /// Queueing delay that counts as overuse while the delay trend rises.
        public var overuseQueueDelay: Duration = .milliseconds(25)
        /// How long the lowest delay seen is remembered (the queue-free baseline).
        public var baselineWindow: Duration = .seconds(10)
        public var decreaseFactor = 0.85
        /// Multiplicative growth per second of the delay- and loss-based bounds while they may grow.
        public var increasePerSecond = 0.25
        /// The window of acknowledged bytes the delay-based decrease starts from.
        public var ackedRateWindow: Duration = .milliseconds(500)
        /// Least time between two decreases (let the queue drain first).
        public var decreaseInterval: Duration = .milliseconds(500)
        public var holdLoss = 0.02
        public var backoffLoss = 0.10
        public var lossEvaluationInterval: Duration = .milliseconds(500)
        public init() {}
    }

    public struct Counters: Sendable, Equatable {
        public var packetsSent = 0
        public var feedbackPackets = 0
        /// Reported packets we had no send record for (too old, or never sent).
        public var unknownFeedbackPackets = 0
        public var delayDecreases = 0
        public var lossDecreases = 0
        public init() {}
    }

    /// What the delay detector concluded from the latest feedback.
    public enum DelaySignal: Sendable, Equatable {
        case normal, overuse, draining
    }

    struct SentPacket: Sendable {
        var sequence: Int64
        var sendMicroseconds: Int64
        var byteCount: Int
    }

    public let configuration: Configuration
    public private(set) var counters = Counters()
    public private(set) var delaySignal = DelaySignal.normal
    /// The latest queueing delay measured (delay above the baseline).
    public private(set) var queueDelay: Duration = .zero
    /// The latest REMB from the viewer, if any.
    public private(set) var rembBitrate: UInt64?
    private var delayBound: Double
    private var lossBound: Double
    private var history: [SentPacket?]
    private var sequenceUnwrapper = SequenceNumberUnwrapper()
    private var referenceUnwrapper = ReferenceTimeUnwrapper()
    /// (receiver arrival µs, bytes) of acknowledged packets, oldest first, at most `historySize`.
    private var acked: [(arrival: Int64, bytes: Int)] = []
    private var ackedBytes = 0
    /// (our send µs, minimum delay µs in one feedback), oldest first.
    private var baseline: [(time: Int64, delay: Int64)] = []
    private var lastGrowth: Instant?
    private var lastDecrease: Instant?
    private var lossWindow: (start: Instant, lost: Int, total: Int)?

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        let size = min(max(configuration.historySize, 1), 32_768)
        history = Array(repeating: nil, count: size)
        let start = Double(min(max(configuration.startBitrate, configuration.minBitrate), configuration.maxBitrate))
        delayBound = start
        lossBound = start
    }

    /// The current estimate in bits per second.
    public var estimate: UInt64 {
        var value = rembOnly ? lossBound : min(delayBound, lossBound)
        if let rembBitrate { value = min(value, Double(rembBitrate)) }
        let low = Double(configuration.minBitrate)
        let high = Double(max(configuration.maxBitrate, configuration.minBitrate))
        return UInt64(min(max(value, low), high))
    }

    /// Books one packet sent to the viewer with transport-wide sequence number `sequenceNumber`.
    public mutating func sent(sequenceNumber: UInt16, byteCount: Int, at now: Instant) {
        let sequence = sequenceUnwrapper.unwrap(sequenceNumber)
        history[slot(sequence)] = SentPacket(sequence: sequence, sendMicroseconds: Self.microseconds(now),
                                             byteCount: max(byteCount, 0))
        counters.packetsSent += 1
    }

    /// The viewer's transport-wide feedback, received at `now`.
    public mutating func receive(_ feedback: RTCPTransportWideFeedback, at now: Instant) {
        counters.feedbackPackets += 1
        var arrival = referenceUnwrapper.unwrap(feedback.referenceTime) &* 64_000
        var lost = 0
        var total = 0
        var first: (send: Int64, delay: Int64)?
        var last: (send: Int64, delay: Int64)?
        var lowest = Int64.max
        for result in feedback.packets {
            let sequence = sequenceUnwrapper.unwrapped(result.sequenceNumber)
            guard let record = history[slot(sequence)], record.sequence == sequence else {
                counters.unknownFeedbackPackets += 1
                continue
            }
            total += 1
            guard let delta = result.deltaMicroseconds else { lost += 1; continue }
            arrival &+= delta
            let delay = arrival &- record.sendMicroseconds
            if first == nil { first = (record.sendMicroseconds, delay) }
            last = (record.sendMicroseconds, delay)
            lowest = min(lowest, delay)
            acked.append((arrival, record.byteCount))
            ackedBytes += record.byteCount
        }
        trimAcked()
        if let first, let last {
            updateDelay(first: first, last: last, lowest: lowest, now: now)
        }
        bookLoss(lost: lost, total: total, now: now)
    }

    /// A REMB from the viewer: a cap on the estimate.
    public mutating func receive(rembBitrate bitrate: UInt64) {
        rembBitrate = bitrate
    }

    /// The fraction lost (0...1) of a receiver report block about our stream (RFC 3550 §6.4.1),
    /// used when the viewer sends no transport-wide feedback.
    public mutating func receive(reportedLossFraction fraction: Double, at now: Instant) {
        applyLoss(min(max(fraction, 0), 1), now: now)
    }

    // MARK: - Delay

    private mutating func updateDelay(first: (send: Int64, delay: Int64), last: (send: Int64, delay: Int64),
                                      lowest: Int64, now: Instant) {
        let window = configuration.baselineWindow.nanosecondsClamped / 1000
        // A monotonic queue: the front holds the lowest delay within the window.
        let expired = baseline.prefix { last.send &- $0.time > window }.count
        baseline.removeFirst(expired)
        while let newest = baseline.last, newest.delay >= lowest { baseline.removeLast() }
        if baseline.count >= Self.maxBaselineEntries { baseline.removeFirst() }
        baseline.append((last.send, lowest))
        let floor = baseline.first?.delay ?? lowest
        let queued = max(last.delay &- floor, 0)
        queueDelay = .microseconds(queued)
        let span = last.send &- first.send
        // Delay growth per unit of send time: > 0 while the queue builds.
        let trend = span > 0 ? Double(last.delay &- first.delay) / Double(span) : 0
        let threshold = configuration.overuseQueueDelay.nanosecondsClamped / 1000
        if (queued > threshold && trend > 0.01) || queued > 2 * threshold {
            delaySignal = .overuse
        } else if queued > threshold / 2 {
            delaySignal = .draining
        } else {
            delaySignal = .normal
        }

        switch delaySignal {
        case .overuse:
            if lastDecrease.map({ now - $0 >= configuration.decreaseInterval }) ?? true {
                let base = ackedBitrate() ?? delayBound
                delayBound = max(min(base, delayBound) * configuration.decreaseFactor, Double(configuration.minBitrate))
                lastDecrease = now
                counters.delayDecreases += 1
            }
            lastGrowth = now
        case .draining:
            lastGrowth = now
        case .normal:
            delayBound = grown(delayBound, now: now)
        }
    }

    /// Drops acknowledgements older than the rate window (and beyond `historySize` entries), once per feedback.
    private mutating func trimAcked() {
        guard let arrival = acked.last?.arrival else { return }
        let window = configuration.ackedRateWindow.nanosecondsClamped / 1000
        var expired = acked.prefix { arrival &- $0.arrival > window }.count
        expired = max(expired, acked.count - history.count)
        for entry in acked.prefix(expired) { ackedBytes -= entry.bytes }
        acked.removeFirst(expired)
    }

    /// Bits per second acknowledged over the rate window; nil until it has a quarter window of data.
    func ackedBitrate() -> Double? {
        guard let oldest = acked.first, let newest = acked.last else { return nil }
        let window = configuration.ackedRateWindow.nanosecondsClamped / 1000
        let span = max(newest.arrival &- oldest.arrival, 1)
        guard span * 4 >= window else { return nil }
        return Double(ackedBytes) * 8 / (Double(max(span, window / 2)) / 1_000_000)
    }

    // MARK: - Loss

    private mutating func bookLoss(lost: Int, total: Int, now: Instant) {
        guard total > 0 else { return }
        var window = lossWindow ?? (now, 0, 0)
        window.lost += lost
        window.total += total
        if now - window.start >= configuration.lossEvaluationInterval {
            lossWindow = nil
            applyLoss(Double(window.lost) / Double(window.total), now: now)
        } else {
            lossWindow = window
        }
    }

    private mutating func applyLoss(_ loss: Double, now: Instant) {
        if loss > configuration.backoffLoss {
            lossBound = max(Double(estimate) * (1 - loss / 2), Double(configuration.minBitrate))
            counters.lossDecreases += 1
        } else if loss < configuration.holdLoss {
            lossBound = max(lossBound, Double(estimate))
            lossBound = grownLoss(lossBound, now: now)
        }
        if rembOnly { lastGrowth = now }
    }

    /// Without transport-wide feedback the delay bound is not used.
    private var rembOnly: Bool { counters.feedbackPackets == 0 }

    // MARK: - Growth

    private mutating func grown(_ value: Double, now: Instant) -> Double {
        defer { lastGrowth = now }
        guard let lastGrowth else { return value }
        let seconds = min(max((now - lastGrowth).secondsDouble, 0), 1)
        return min(value * (1 + configuration.increasePerSecond * seconds), Double(configuration.maxBitrate))
    }

    private var lastLossGrowth: Instant?

    private mutating func grownLoss(_ value: Double, now: Instant) -> Double {
        defer { lastLossGrowth = now }
        let limit = rembOnly ? Double(configuration.maxBitrate) : max(delayBound, value)
        guard let lastLossGrowth else { return min(value, limit) }
        let seconds = min(max((now - lastLossGrowth).secondsDouble, 0), 1)
        return min(value * (1 + configuration.increasePerSecond * seconds), max(limit, value))
    }

    private func slot(_ sequence: Int64) -> Int {
        Int(UInt64(bitPattern: sequence) % UInt64(history.count))
    }

    static let maxBaselineEntries = 256

    static func microseconds(_ instant: Instant) -> Int64 { Int64(clamping: instant.nanoseconds / 1000) }
}

/// The 24-bit transport-wide feedback reference time (64 ms units) extended to 64 bits.
struct ReferenceTimeUnwrapper: Sendable {
    private var last: Int64?

    mutating func unwrap(_ value: UInt32) -> Int64 {
        let raw = Int64(value & 0xFF_FFFF)
        guard let last else { self.last = raw; return raw }
        var delta = (raw - (last & 0xFF_FFFF)) & 0xFF_FFFF
        if delta >= 0x80_0000 { delta -= 0x100_0000 }
        let result = last &+ delta
        self.last = result
        return result
    }
}
