import RTCBase

/// Sender report, packet type 200 (RFC 3550 §6.4.1).
public struct RTCPSenderReport: Sendable, Equatable {
    public var ssrc: UInt32
    /// 64-bit NTP timestamp (RFC 3550 §4) of the moment `rtpTimestamp` describes.
    public var ntpTimestamp: UInt64
    public var rtpTimestamp: UInt32
    /// Packets sent since the stream began (wraps).
    public var packetCount: UInt32
    /// Payload octets sent since the stream began, headers and padding excluded (wraps).
    public var octetCount: UInt32
    /// Reception report blocks. More than 31 are written as extra RR packets that follow (§6.4.2).
    public var reports: [RTCPReceptionReport]

    public init(ssrc: UInt32, ntpTimestamp: UInt64, rtpTimestamp: UInt32, packetCount: UInt32,
                octetCount: UInt32, reports: [RTCPReceptionReport] = []) {
        self.ssrc = ssrc
        self.ntpTimestamp = ntpTimestamp
        self.rtpTimestamp = rtpTimestamp
        self.packetCount = packetCount
        self.octetCount = octetCount
        self.reports = reports
    }

    static let packetType: UInt8 = 200

    /// Parses the body after the common header; profile-specific extensions after the blocks are ignored.
    static func parse(count: UInt8, body: ArraySlice<UInt8>, limits: RTCPLimits) throws(RTCPParseError) -> RTCPSenderReport {
        let blockCount = Int(count)
        guard blockCount <= limits.maxReportBlocks else { throw .limitExceeded(.reportBlocks, cap: limits.maxReportBlocks) }
        var reader = ByteReader(body)
        var report = RTCPSenderReport(
            ssrc: try reader.rtcpUInt32(), ntpTimestamp: try reader.rtcpUInt64(), rtpTimestamp: try reader.rtcpUInt32(),
            packetCount: try reader.rtcpUInt32(), octetCount: try reader.rtcpUInt32())
        guard reader.remaining >= blockCount * RTCPReceptionReport.byteCount else { throw .truncated }
        report.reports.reserveCapacity(blockCount)
        for _ in 0..<blockCount { report.reports.append(try RTCPReceptionReport.parse(from: &reader)) }
        return report
    }

    func write(into out: inout [UInt8]) {
        let first = reports.prefix(RTCPWriter.maxCount)
        let start = RTCPWriter.beginPacket(&out, count: UInt8(first.count), packetType: Self.packetType)
        out.appendUInt32(ssrc)
        out.appendUInt64(ntpTimestamp)
        out.appendUInt32(rtpTimestamp)
        out.appendUInt32(packetCount)
        out.appendUInt32(octetCount)
        for block in first { block.write(into: &out) }
        RTCPWriter.finishPacket(&out, start: start)
        RTCPReceiverReport.writeOverflowBlocks(reports.dropFirst(RTCPWriter.maxCount), ssrc: ssrc, into: &out)
    }
}
