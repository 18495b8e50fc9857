import RTCBase
import RTP

/// The sender-report side of a `PassThroughStream`: told of every packet and unit that goes out.
/// `SenderReportSchedule` for transports without RTCP of their own (plain RTP, RTSP);
/// `NoSenderReports` for WebRTC, whose session reports itself (and whose per-viewer stream stays small).
public protocol PassThroughReports: Sendable {
    mutating func recordPacket(rtpTimestamp: UInt32, payloadBytes: Int, now: Instant)
    /// A unit went out (possibly without packets).
    mutating func unitForwarded(now: Instant)
    /// The source track's clock rate changed.
    mutating func restart(clockRate: Int)
}

/// No sender-report bookkeeping (the transport reports itself).
public struct NoSenderReports: PassThroughReports {
    public init() {}
    public func recordPacket(rtpTimestamp: UInt32, payloadBytes: Int, now: Instant) {}
    public func unitForwarded(now: Instant) {}
    public func restart(clockRate: Int) {}
}

/// Packet and octet counts of one outbound stream and when its next RTCP sender report with SDES
/// CNAME is due (RFC 3550 §6.4.1, §6.5.1): the first right after media first went out, so
/// receivers sync early, then one per interval.
public struct SenderReportSchedule: PassThroughReports {
    public private(set) var generator: SenderReportGenerator
    /// When the next report is due; nil until media went out.
    public private(set) var nextReport: Instant?

    public init(ssrc: UInt32, clockRate: Int) {
        generator = SenderReportGenerator(ssrc: ssrc, clockRate: clockRate)
    }

    public mutating func recordPacket(rtpTimestamp: UInt32, payloadBytes: Int, now: Instant) {
        generator.recordPacket(rtpTimestamp: rtpTimestamp, payloadBytes: payloadBytes, now: now)
    }

    public mutating func unitForwarded(now: Instant) {
        if nextReport == nil { nextReport = now }
    }

    /// Counting starts over at the new clock rate.
    public mutating func restart(clockRate: Int) {
        generator = SenderReportGenerator(ssrc: generator.ssrc, clockRate: clockRate)
    }

    /// An SR and an SDES CNAME as of `now`. `wallClockAnchor.unixSeconds` was the wall-clock time
    /// at `wallClockAnchor.instant`.
    public func reportPackets(now: Instant, wallClockAnchor: (instant: Instant, unixSeconds: Double),
                              cname: String) -> [RTCPPacket] {
        let seconds = wallClockAnchor.unixSeconds + (now - wallClockAnchor.instant).secondsDouble
        return [.senderReport(generator.makeReport(now: now, wallClock: NTPTimestamp(unixSeconds: seconds))),
                .sourceDescription(RTCPSourceDescription(cname: cname, ssrc: generator.ssrc))]
    }

    /// The report packets when one is due at `now`, scheduling the next one `interval` later
    /// (or `interval` from now, when the timer fell behind); nil when none is due.
    public mutating func takeDueReport(now: Instant, interval: Duration,
                                       wallClockAnchor: (instant: Instant, unixSeconds: Double),
                                       cname: String) -> [RTCPPacket]? {
        guard let due = nextReport, due <= now else { return nil }
        let next = due + interval
        nextReport = next > now ? next : now + interval
        return reportPackets(now: now, wallClockAnchor: wallClockAnchor, cname: cname)
    }
}
