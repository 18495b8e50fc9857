/// Extends 32-bit RTP timestamps (RFC 3550 §5.1) to 64 bits. Each value is placed nearest the
/// previous one (within ±2^31), so wraps in either direction and reordering are handled. The
/// first value unwraps to itself.
public struct TimestampUnwrapper: Sendable, Equatable {
    /// The most recent unwrapped value, nil before the first call.
    public private(set) var last: Int64?

    public init() {}

    /// Unwraps `timestamp` relative to the previous one and remembers the result.
    public mutating func unwrap(_ timestamp: UInt32) -> Int64 {
        let value = unwrapped(timestamp)
        last = value
        return value
    }

    /// What `unwrap` would return, without remembering it.
    public func unwrapped(_ timestamp: UInt32) -> Int64 {
        guard let last else { return Int64(timestamp) }
        let delta = Int32(bitPattern: timestamp &- UInt32(truncatingIfNeeded: last))
        return last &+ Int64(delta)
    }
}
