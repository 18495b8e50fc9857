/// Extends a wrapping RTP counter (16-bit sequence numbers, 32-bit timestamps; RFC 3550 §5.1) to a
/// monotonic 64-bit count. Each value is placed nearest the previous one (within half the counter's
/// range), so wraps in either direction and reordered packets land where they belong. The first
/// value unwraps to itself.
public struct RTPCounterUnwrapper<Value: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable, Equatable {
    /// The most recent unwrapped value, nil before the first call.
    public private(set) var last: Int64?

    public init() {}

    /// Unwraps `value` relative to the previous one and remembers the result.
    public mutating func unwrap(_ value: Value) -> Int64 {
        let result = unwrapped(value)
        last = result
        return result
    }

    /// What `unwrap` would return, without remembering it.
    public func unwrapped(_ value: Value) -> Int64 {
        guard let last else { return Int64(value) }
        let difference = value &- Value(truncatingIfNeeded: last)
        let delta = difference <= Value.max / 2 ? Int64(difference) : Int64(difference) - Int64(Value.max) - 1
        return last &+ delta
    }
}

/// 16-bit RTP sequence numbers to 64 bits.
public typealias SequenceNumberUnwrapper = RTPCounterUnwrapper<UInt16>
/// 32-bit RTP timestamps to 64 bits.
public typealias TimestampUnwrapper = RTPCounterUnwrapper<UInt32>
