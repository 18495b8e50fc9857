/// A 64-bit NTP timestamp (RFC 3550 §4, RFC 5905 §6): seconds since 1900-01-01 and a binary
/// fraction of a second. RTCP carries it whole in SRs and as its middle 32 bits in LSR fields.
public struct NTPTimestamp: Sendable, Hashable, Comparable {
    public var seconds: UInt32
    public var fraction: UInt32

    /// Seconds from the NTP era start (1900) to the Unix epoch (1970).
    public static let unixEpochOffset: UInt32 = 2_208_988_800

    public init(seconds: UInt32, fraction: UInt32) {
        self.seconds = seconds
        self.fraction = fraction
    }

    /// The 64-bit wire form: seconds in the high word, fraction in the low word.
    public init(rawValue: UInt64) {
        seconds = UInt32(truncatingIfNeeded: rawValue >> 32)
        fraction = UInt32(truncatingIfNeeded: rawValue)
    }

    /// From seconds since the Unix epoch. Values outside NTP era 0 wrap into it (as the wire
    /// form does); non-finite or negative input gives the era start.
    public init(unixSeconds: Double) {
        guard unixSeconds.isFinite, unixSeconds >= 0 else {
            self.init(seconds: Self.unixEpochOffset, fraction: 0)
            return
        }
        let whole = unixSeconds.rounded(.down)
        let wholeSeconds = UInt64(exactly: whole) ?? UInt64(UInt32.max)
        var fractionValue = ((unixSeconds - whole) * 4_294_967_296).rounded()
        var carry: UInt64 = 0
        if fractionValue >= 4_294_967_296 { fractionValue = 0; carry = 1 }
        self.init(seconds: UInt32(truncatingIfNeeded: wholeSeconds &+ carry &+ UInt64(Self.unixEpochOffset)),
                  fraction: UInt32(fractionValue))
    }

    public var rawValue: UInt64 { UInt64(seconds) << 32 | UInt64(fraction) }

    /// The "compact" form used in LSR/DLSR: low 16 bits of seconds, high 16 bits of fraction.
    public var middle32: UInt32 { seconds << 16 | fraction >> 16 }

    /// Seconds since the Unix epoch (era 0 only).
    public var unixSeconds: Double {
        Double(Int64(seconds) - Int64(Self.unixEpochOffset)) + Double(fraction) / 4_294_967_296
    }

    public static func < (lhs: NTPTimestamp, rhs: NTPTimestamp) -> Bool { lhs.rawValue < rhs.rawValue }
}
