import RTCBase
import RTP

/// What a peer reported about one stream we send it (RFC 3550 §6.4.1 report block), with the
/// round-trip time derived from it: the viewer's side of the link, for metrics.
public struct RemoteReception: Sendable, Equatable {
    public var ssrc: UInt32
    /// The stream's RTP clock rate (for `jitter` in seconds).
    public var clockRate: Int
    /// Fraction lost since the peer's previous report, 0…1.
    public var fractionLost: Double
    /// Packets lost since the stream began, as the peer counts them (may be negative: duplicates).
    public var cumulativeLost: Int
    /// Interarrival jitter in RTP timestamp units.
    public var jitter: UInt32
    /// From the last block that referred to one of our sender reports; nil before any.
    public var roundTripTime: Duration?
    /// Report blocks received for this stream.
    public var reports: Int

    /// Interarrival jitter in seconds.
    public var jitterSeconds: Double { Double(jitter) / Double(max(clockRate, 1)) }
}

extension WebRTCSession {
    /// The wall clock at `now` as NTP (sender reports, and RTT from the peer's LSR/DLSR).
    func wallClock(at now: Instant) -> NTPTimestamp {
        let anchor = configuration.wallClockAnchor
        return NTPTimestamp(unixSeconds: anchor.unixSeconds + (now - anchor.instant).secondsDouble)
    }

    /// Books report blocks about our outbound SSRCs; blocks about other SSRCs are ignored (so the
    /// table never holds more entries than streams we send).
    func recordReceptionReports(_ blocks: [RTCPReceptionReport], now: Instant) {
        guard !blocks.isEmpty else { return }
        let arrival = wallClock(at: now)
        for block in blocks {
            guard let stream = outbound.first(where: { $0.ssrc == block.ssrc }) else { continue }
            var entry = remoteReceptions[block.ssrc] ?? RemoteReception(
                ssrc: block.ssrc, clockRate: stream.report.clockRate, fractionLost: 0, cumulativeLost: 0, jitter: 0,
                roundTripTime: nil, reports: 0)
            entry.clockRate = stream.report.clockRate
            entry.fractionLost = Double(block.fractionLost) / 256
            entry.cumulativeLost = Int(block.cumulativeLost)
            entry.jitter = block.jitter
            if let rtt = block.roundTripTime(arrival: arrival) { entry.roundTripTime = rtt }
            entry.reports &+= 1
            remoteReceptions[block.ssrc] = entry
        }
    }
}
