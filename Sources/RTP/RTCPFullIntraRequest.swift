import RTCBase

/// Full intra request, payload-specific feedback PT 206 FMT 4 (RFC 5104 §4.3.1). The media SSRC
/// field is unused (written as 0); each FCI entry names a target SSRC and a command sequence number.
public struct RTCPFullIntraRequest: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// The media sender asked for a decoder refresh point.
        public var ssrc: UInt32
        /// Incremented by the requester for each new request (§4.3.1.1), so repeats can be detected.
        public var sequenceNumber: UInt8
        public init(ssrc: UInt32, sequenceNumber: UInt8) { self.ssrc = ssrc; self.sequenceNumber = sequenceNumber }
    }

    public var senderSSRC: UInt32
    public var entries: [Entry]

    public init(senderSSRC: UInt32, entries: [Entry]) {
        self.senderSSRC = senderSSRC
        self.entries = entries
    }

    static let format: UInt8 = 4

    static func parse(body: ArraySlice<UInt8>, limits: RTCPLimits) throws(RTCPParseError) -> RTCPFullIntraRequest {
        var reader = ByteReader(body)
        let sender = try reader.rtcpUInt32()
        _ = try reader.rtcpUInt32()  // media source SSRC: unused by FIR
        guard reader.remaining % 8 == 0 else { throw .invalidField("FIR FCI is not a whole number of 8-byte entries") }
        let entryCount = reader.remaining / 8
        guard entryCount <= limits.maxFIREntries else { throw .limitExceeded(.firEntries, cap: limits.maxFIREntries) }
        var entries: [Entry] = []
        entries.reserveCapacity(entryCount)
        for _ in 0..<entryCount {
            let ssrc = try reader.rtcpUInt32()
            let sequenceNumber = try reader.rtcpUInt8()
            try reader.rtcpSkip(3)  // reserved
            entries.append(Entry(ssrc: ssrc, sequenceNumber: sequenceNumber))
        }
        return RTCPFullIntraRequest(senderSSRC: sender, entries: entries)
    }

    func write(into out: inout [UInt8]) {
        let start = RTCPWriter.beginPacket(&out, count: Self.format, packetType: RTCPPacket.payloadFeedbackType)
        out.appendUInt32(senderSSRC)
        out.appendUInt32(0)
        for entry in entries {
            out.appendUInt32(entry.ssrc)
            out.append(entry.sequenceNumber)
            out.append(contentsOf: [0, 0, 0])
        }
        RTCPWriter.finishPacket(&out, start: start)
    }
}
