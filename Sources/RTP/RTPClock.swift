import RTCBase

/// Conversions between monotonic time and RTP clock units (RFC 3550 §5.1 timestamps).
enum RTPClock {
    /// `nanoseconds` expressed in ticks of a `clockRate` Hz clock, truncated toward zero.
    /// Wraps modulo 2^64 only for spans far beyond any stream's life; callers keep 32 bits.
    static func ticks(nanoseconds: Int64, clockRate: Int) -> Int64 {
        let rate = Int64(clamping: min(max(clockRate, 0), Int(UInt32.max)))
        let seconds = nanoseconds / 1_000_000_000
        let remainder = nanoseconds % 1_000_000_000
        // |remainder| < 1e9 and rate < 2^32, so the product stays below 2^62.
        return seconds &* rate &+ remainder * rate / 1_000_000_000
    }

    /// A monotonic instant on a `clockRate` Hz clock, as a wrapping 32-bit RTP-style value.
    static func ticks(at instant: Instant, clockRate: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: ticks(nanoseconds: Int64(clamping: instant.nanoseconds), clockRate: clockRate))
    }

    /// `duration` in units of 1/65536 second (the RTCP DLSR unit), clamped to 0...UInt32.max.
    static func compactUnits(_ duration: Duration) -> UInt32 {
        let nanoseconds = duration.nanosecondsClamped
        guard nanoseconds > 0 else { return 0 }
        let seconds = nanoseconds / 1_000_000_000
        let remainder = nanoseconds % 1_000_000_000
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 65_536)
        guard !overflow else { return .max }
        return UInt32(clamping: scaled + remainder * 65_536 / 1_000_000_000)
    }
}
