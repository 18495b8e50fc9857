import RTCBase

/// Sender-side bookkeeping for one outbound SSRC (RFC 3550 §6.4.1): packet and payload-octet
/// counts and the (RTP timestamp, instant) pair used to extrapolate the SR's RTP timestamp.
public struct SenderReportGenerator: Sendable {
    public let ssrc: UInt32
    /// RTP clock rate of the stream in Hz.
    public let clockRate: Int
    /// Packets sent (wraps, as on the wire).
    public private(set) var packetCount: UInt32 = 0
    /// Payload octets sent, headers and padding excluded (wraps, as on the wire).
    public private(set) var octetCount: UInt32 = 0
    /// The newest RTP timestamp sent and the instant its first packet was recorded.
    public private(set) var anchor: (rtpTimestamp: UInt32, time: Instant)?

    public init(ssrc: UInt32, clockRate: Int) {
        self.ssrc = ssrc
        self.clockRate = max(clockRate, 1)
    }

    /// Records one sent RTP packet. The timestamp anchor moves only when `rtpTimestamp` is newer
    /// than the current one, so the packets of one frame (and reordered ones) do not drag it.
    public mutating func recordPacket(rtpTimestamp: UInt32, payloadBytes: Int, now: Instant) {
        packetCount &+= 1
        octetCount &+= UInt32(truncatingIfNeeded: max(payloadBytes, 0))
        if let anchor, Int32(bitPattern: rtpTimestamp &- anchor.rtpTimestamp) <= 0 { return }
        anchor = (rtpTimestamp, now)
    }

    /// The RTP timestamp that corresponds to `now`, extrapolated from the anchor at the clock
    /// rate; nil before the first packet.
    public func rtpTimestamp(at now: Instant) -> UInt32? {
        guard let anchor else { return nil }
        let elapsed = (now - anchor.time).nanosecondsClamped
        let ticks = RTPClock.ticks(nanoseconds: elapsed, clockRate: clockRate)
        return anchor.rtpTimestamp &+ UInt32(truncatingIfNeeded: ticks)
    }

    /// A sender report for `now`, whose wall-clock time is `wallClock`. Before the first packet
    /// the RTP timestamp is 0.
    public func makeReport(now: Instant, wallClock: NTPTimestamp,
                           reports: [RTCPReceptionReport] = []) -> RTCPSenderReport {
        RTCPSenderReport(ssrc: ssrc, ntpTimestamp: wallClock.rawValue, rtpTimestamp: rtpTimestamp(at: now) ?? 0,
                         packetCount: packetCount, octetCount: octetCount, reports: reports)
    }
}
