import RTCBase

/// Receiver report, packet type 201 (RFC 3550 §6.4.2).
public struct RTCPReceiverReport: Sendable, Equatable {
    /// The reporter's own SSRC.
    public var ssrc: UInt32
    /// Reception report blocks. More than 31 are split over several RR packets.
    public var reports: [RTCPReceptionReport]

    public init(ssrc: UInt32, reports: [RTCPReceptionReport] = []) {
        self.ssrc = ssrc
        self.reports = reports
    }

    static let packetType: UInt8 = 201

    static func parse(count: UInt8, body: ArraySlice<UInt8>, limits: RTCPLimits) throws(RTCPParseError) -> RTCPReceiverReport {
        let blockCount = Int(count)
        guard blockCount <= limits.maxReportBlocks else { throw .limitExceeded(.reportBlocks, cap: limits.maxReportBlocks) }
        var reader = ByteReader(body)
        var report = RTCPReceiverReport(ssrc: try reader.rtcpUInt32())
        guard reader.remaining >= blockCount * RTCPReceptionReport.byteCount else { throw .truncated }
        report.reports.reserveCapacity(blockCount)
        for _ in 0..<blockCount { report.reports.append(try RTCPReceptionReport.parse(from: &reader)) }
        return report
    }

    func write(into out: inout [UInt8]) {
        Self.writeOne(reports.prefix(RTCPWriter.maxCount), ssrc: ssrc, into: &out)
        Self.writeOverflowBlocks(reports.dropFirst(RTCPWriter.maxCount), ssrc: ssrc, into: &out)
    }

    /// Writes blocks in RR packets of at most 31 each (nothing when `blocks` is empty).
    static func writeOverflowBlocks(_ blocks: ArraySlice<RTCPReceptionReport>, ssrc: UInt32, into out: inout [UInt8]) {
        var rest = blocks
        while !rest.isEmpty {
            writeOne(rest.prefix(RTCPWriter.maxCount), ssrc: ssrc, into: &out)
            rest = rest.dropFirst(RTCPWriter.maxCount)
        }
    }

    private static func writeOne(_ blocks: ArraySlice<RTCPReceptionReport>, ssrc: UInt32, into out: inout [UInt8]) {
        let start = RTCPWriter.beginPacket(&out, count: UInt8(blocks.count), packetType: packetType)
        out.appendUInt32(ssrc)
        for block in blocks { block.write(into: &out) }
        RTCPWriter.finishPacket(&out, start: start)
    }
}
