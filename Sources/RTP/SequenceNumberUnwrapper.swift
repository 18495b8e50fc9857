/// Extends 16-bit RTP sequence numbers (RFC 3550 §5.1) to a monotonic 64-bit count. Each value
/// is placed nearest the previous one (within ±2^15), so wraps in either direction and
/// reordered packets land where they belong. The first value unwraps to itself.
public struct SequenceNumberUnwrapper: Sendable, Equatable {
    /// The most recent unwrapped value, nil before the first call.
    public private(set) var last: Int64?

    public init() {}

    /// Unwraps `sequenceNumber` relative to the previous one and remembers the result.
    public mutating func unwrap(_ sequenceNumber: UInt16) -> Int64 {
        let value = unwrapped(sequenceNumber)
        last = value
        return value
    }

    /// What `unwrap` would return, without remembering it.
    public func unwrapped(_ sequenceNumber: UInt16) -> Int64 {
        guard let last else { return Int64(sequenceNumber) }
        let delta = Int16(bitPattern: sequenceNumber &- UInt16(truncatingIfNeeded: last))
        return last &+ Int64(delta)
    }
}
