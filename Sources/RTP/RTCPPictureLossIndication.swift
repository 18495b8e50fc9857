import RTCBase

/// Picture loss indication, payload-specific feedback PT 206 FMT 1 (RFC 4585 §6.3.1). No FCI.
public struct RTCPPictureLossIndication: Sendable, Equatable {
    public var senderSSRC: UInt32
    /// The media source whose decoder lost pictures.
    public var mediaSSRC: UInt32

    public init(senderSSRC: UInt32, mediaSSRC: UInt32) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
    }

    static let format: UInt8 = 1

    /// Any bytes after the two SSRCs are ignored (PLI defines no FCI).
    static func parse(body: ArraySlice<UInt8>) throws(RTCPParseError) -> RTCPPictureLossIndication {
        var reader = ByteReader(body)
        return RTCPPictureLossIndication(senderSSRC: try reader.rtcpUInt32(), mediaSSRC: try reader.rtcpUInt32())
    }

    func write(into out: inout [UInt8]) {
        let start = RTCPWriter.beginPacket(&out, count: Self.format, packetType: RTCPPacket.payloadFeedbackType)
        out.appendUInt32(senderSSRC)
        out.appendUInt32(mediaSSRC)
        RTCPWriter.finishPacket(&out, start: start)
    }
}
