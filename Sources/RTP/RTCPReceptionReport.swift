import RTCBase

/// One reception report block, 24 bytes, carried in SR and RR packets (RFC 3550 §6.4.1).
public struct RTCPReceptionReport: Sendable, Equatable {
    /// The source this block reports on.
    public var ssrc: UInt32
    /// Fraction of packets lost since the previous report, in 1/256 units.
    public var fractionLost: UInt8
    /// Cumulative packets lost (24-bit signed on the wire; duplicates can make it negative).
    public var cumulativeLost: Int32
    /// Cycle count in the high 16 bits, highest sequence number received in the low 16.
    public var extendedHighestSequence: UInt32
    /// Interarrival jitter in RTP timestamp units (RFC 3550 §6.4.1, Appendix A.8).
    public var jitter: UInt32
    /// Middle 32 bits of the NTP timestamp of the last SR received from this source (0 if none).
    public var lastSenderReport: UInt32
    /// Delay since that SR was received, in units of 1/65536 second.
    public var delaySinceLastSenderReport: UInt32

    public init(ssrc: UInt32, fractionLost: UInt8 = 0, cumulativeLost: Int32 = 0,
                extendedHighestSequence: UInt32 = 0, jitter: UInt32 = 0,
                lastSenderReport: UInt32 = 0, delaySinceLastSenderReport: UInt32 = 0) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        self.cumulativeLost = cumulativeLost
        self.extendedHighestSequence = extendedHighestSequence
        self.jitter = jitter
        self.lastSenderReport = lastSenderReport
        self.delaySinceLastSenderReport = delaySinceLastSenderReport
    }

    /// Size of one block on the wire.
    static let byteCount = 24
    /// Range of the 24-bit signed cumulative-lost field.
    static let cumulativeLostRange: ClosedRange<Int32> = -0x80_0000...0x7F_FFFF

    static func parse(from reader: inout ByteReader) throws(RTCPParseError) -> RTCPReceptionReport {
        let ssrc = try reader.rtcpUInt32()
        let fractionLost = try reader.rtcpUInt8()
        let rawLost = try reader.rtcpUInt24()
        let cumulativeLost = rawLost & 0x80_0000 != 0 ? Int32(rawLost) - 0x100_0000 : Int32(rawLost)
        return RTCPReceptionReport(
            ssrc: ssrc, fractionLost: fractionLost, cumulativeLost: cumulativeLost,
            extendedHighestSequence: try reader.rtcpUInt32(), jitter: try reader.rtcpUInt32(),
            lastSenderReport: try reader.rtcpUInt32(), delaySinceLastSenderReport: try reader.rtcpUInt32())
    }

    /// Appends the 24-byte block; `cumulativeLost` is clamped to the 24-bit signed range.
    func write(into out: inout [UInt8]) {
        out.appendUInt32(ssrc)
        out.append(fractionLost)
        let clamped = min(max(cumulativeLost, Self.cumulativeLostRange.lowerBound), Self.cumulativeLostRange.upperBound)
        out.appendUInt24(UInt32(bitPattern: clamped) & 0xFF_FFFF)
        out.appendUInt32(extendedHighestSequence)
        out.appendUInt32(jitter)
        out.appendUInt32(lastSenderReport)
        out.appendUInt32(delaySinceLastSenderReport)
    }

    /// Round-trip time to the reporting receiver (RFC 3550 §6.4.1, "A - LSR - DLSR"), given the
    /// wall clock at which this block arrived. Nil when the block carries no LSR or the result
    /// would be negative (clock inconsistency).
    public func roundTripTime(arrival: NTPTimestamp) -> Duration? {
        guard lastSenderReport != 0 else { return nil }
        let units = arrival.middle32 &- lastSenderReport &- delaySinceLastSenderReport
        guard units < 0x8000_0000 else { return nil }
        // 1/65536 s units → nanoseconds; units < 2^31 so the product fits in UInt64.
        return .nanoseconds(Int64((UInt64(units) * 1_000_000_000) >> 16))
    }
}
