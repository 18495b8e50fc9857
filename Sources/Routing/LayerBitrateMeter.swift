import RTCBase

/// The bitrate of one simulcast layer as it arrives, sans-IO: RTP bytes (headers included) over
/// windows of `window`. A layer that has sent nothing for `inactiveAfter` is not available (the
/// publisher stopped it, e.g. its own estimate dropped); the selector then leaves it.
public struct LayerBitrateMeter: Sendable {
    public var window: Duration
    public var inactiveAfter: Duration
    private var windowStart: Instant?
    private var windowBytes: UInt64 = 0
    private var lastArrival: Instant?
    private var lastBitrate: UInt64?

    public init(window: Duration = .seconds(1), inactiveAfter: Duration = .seconds(1)) {
        self.window = window
        self.inactiveAfter = inactiveAfter
    }

    public mutating func record(byteCount: Int, arrival: Instant) {
        if let start = windowStart, arrival - start >= window {
            lastBitrate = Self.bitrate(bytes: windowBytes, over: arrival - start)
            windowStart = arrival
            windowBytes = 0
        } else if windowStart == nil {
            windowStart = arrival
        }
        windowBytes &+= UInt64(clamping: max(byteCount, 0))
        lastArrival = arrival
    }

    /// Bits per second; before the first full window, the partial one once it spans a tenth of a
    /// window; nil when inactive or not yet measured.
    public func bitrate(now: Instant) -> UInt64? {
        guard let lastArrival, now - lastArrival < inactiveAfter, let start = windowStart else { return nil }
        if let lastBitrate { return lastBitrate }
        let elapsed = now - start
        guard elapsed * 10 >= window else { return nil }
        return Self.bitrate(bytes: windowBytes, over: elapsed)
    }

    static func bitrate(bytes: UInt64, over duration: Duration) -> UInt64 {
        let nanoseconds = duration.nanosecondsClamped
        guard nanoseconds > 0 else { return 0 }
        let (high, low) = bytes.multipliedFullWidth(by: 8_000_000_000)
        guard high < UInt64(nanoseconds) else { return .max }
        return UInt64(nanoseconds).dividingFullWidth((high, low)).quotient
    }
}
