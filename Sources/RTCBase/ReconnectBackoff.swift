/// Delays between reconnection attempts of a pulled source (RTSP, WHEP) or a pushing client
/// (WHIP): exponential (1 s, 2 s, 4 s …) capped
/// at 30 s, each scaled by a random factor in [0.8, 1.2) so cameras behind one outage do not all
/// come back in step. `reset()` after a stream has played long enough starts again at 1 s.
public struct ReconnectBackoff: Sendable, Equatable {
    public var initial: Duration = .seconds(1)
    public var cap: Duration = .seconds(30)
    /// Relative jitter: 0.2 = ±20 %.
    public var jitter = 0.2
    /// Attempts that failed since the last reset.
    public private(set) var failures = 0

    public init() {}

    /// The delay before the next attempt, rounded to milliseconds; counts one more failure. The
    /// jitter factor is `1 - jitter + 2 * jitter * u` with `u` the generator's top 53 bits as a
    /// fraction in [0, 1).
    public mutating func nextDelay(using generator: inout some RandomNumberGenerator) -> Duration {
        let exponent = min(failures, 30)
        failures += 1
        let base = min(initial * (1 << exponent), cap)
        let unit = Double(generator.next() >> 11) * 0x1p-53
        let factor = 1 - jitter + 2 * jitter * unit
        let milliseconds = Double(base.components.seconds) * 1000 + Double(base.components.attoseconds) / 1e15
        // + 0.5 then truncation: rounding of a positive value without libm (RTCBase links none).
        return .milliseconds(Int64(milliseconds * factor + 0.5))
    }

    public mutating func reset() { failures = 0 }
}
