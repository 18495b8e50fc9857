import RTCBase

/// A simple receive-side bandwidth estimate for senders that only understand REMB
/// (draft-alvestrand-rmcat-remb-03), sans-IO. It is no delay-based estimator: it lets a sender
/// grow while its packets arrive without loss, and backs off when they are lost.
///
/// Every `interval` it measures the incoming bitrate (all RTP bytes of the session, headers
/// included) and sets the estimate to
/// - `incoming × growthFactor` when the loss last reported (`reportLoss`) is below `holdLoss`,
/// - `incoming` (hold) when it is between `holdLoss` and `backoffLoss`,
/// - `incoming × (1 − loss / 2)` above `backoffLoss` (libwebrtc's loss-based rule),
/// never more than the previous estimate × `growthFactor`, and always within
/// `minBitrate...maxBitrate`. The estimate starts at `startBitrate`.
///
/// With transport-wide feedback negotiated the sender estimates for itself; REMB then only caps
/// it (`fixedCap`).
public struct REMBEstimator: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// The highest estimate sent: the gateway's cap on a publisher (bits per second).
        public var maxBitrate: UInt64 = 8_000_000
        public var minBitrate: UInt64 = 300_000
        public var startBitrate: UInt64 = 1_000_000
        public var growthFactor = 1.5
        /// Loss fraction (0...1) below which the estimate grows, and above which it backs off.
        public var holdLoss = 0.02
        public var backoffLoss = 0.10
        /// How often an estimate is made (and REMB sent).
        public var interval: Duration = .seconds(1)
        public init() {}
    }

    public let configuration: Configuration
    public private(set) var estimate: UInt64
    /// When the next estimate is due; nil before the first packet.
    public private(set) var nextDeadline: Instant?
    private var windowStart: Instant?
    private var windowBytes: UInt64 = 0
    private var loss = 0.0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        estimate = Self.clamp(configuration.startBitrate, configuration)
    }

    private static func clamp(_ value: UInt64, _ configuration: Configuration) -> UInt64 {
        min(max(value, configuration.minBitrate), max(configuration.maxBitrate, configuration.minBitrate))
    }

    /// Books one received packet of `byteCount` bytes.
    public mutating func record(byteCount: Int, arrival: Instant) {
        windowBytes &+= UInt64(clamping: byteCount)
        if windowStart == nil {
            windowStart = arrival
            nextDeadline = arrival + configuration.interval
        }
    }

    /// The loss fraction (0...1) of the latest receiver report interval, worst stream.
    public mutating func reportLoss(fraction: Double) {
        loss = min(max(fraction, 0), 1)
    }

    public func isDue(now: Instant) -> Bool { nextDeadline.map { now >= $0 } ?? false }

    /// Closes the measuring window and returns the new estimate (bits per second).
    public mutating func update(now: Instant) -> UInt64 {
        guard let start = windowStart else { return estimate }
        let elapsed = (now - start).secondsDouble
        if elapsed > 0 {
            let incoming = Double(windowBytes) * 8 / elapsed
            let target: Double
            if loss > configuration.backoffLoss {
                target = incoming * (1 - loss / 2)
            } else if loss >= configuration.holdLoss {
                target = incoming
            } else {
                target = min(incoming * configuration.growthFactor, Double(estimate) * configuration.growthFactor)
            }
            estimate = Self.clamp(target >= Double(UInt64.max) ? .max : UInt64(max(target, 0)), configuration)
        }
        windowStart = now
        windowBytes = 0
        nextDeadline = now + configuration.interval
        return estimate
    }

    /// The cap sent alongside transport-wide feedback: `maxBitrate`.
    public var fixedCap: UInt64 { configuration.maxBitrate }
}
