/// One RTCP packet of a compound datagram (RFC 3550 §6, RFC 4585 §6, RFC 5104 §4.3, REMB, TWCC).
public enum RTCPPacket: Sendable, Equatable {
    case senderReport(RTCPSenderReport)
    case receiverReport(RTCPReceiverReport)
    case sourceDescription(RTCPSourceDescription)
    case bye(RTCPBye)
    case genericNACK(RTCPGenericNACK)
    case pictureLossIndication(RTCPPictureLossIndication)
    case fullIntraRequest(RTCPFullIntraRequest)
    case remb(RTCPREMB)
    case transportWideFeedback(RTCPTransportWideFeedback)
    /// Any other packet (APP, XR, other feedback formats), kept so it can be forwarded:
    /// `format` is the 5-bit count/FMT field, `bytes` the body after the 4-byte common header
    /// with any padding removed. Serializing pads `bytes` with zeros to a 32-bit boundary.
    case unknown(packetType: UInt8, format: UInt8, bytes: [UInt8])

    /// Transport-layer feedback (RFC 4585 §6.1).
    static let transportFeedbackType: UInt8 = 205
    /// Payload-specific feedback (RFC 4585 §6.1).
    static let payloadFeedbackType: UInt8 = 206

    /// Decodes one packet from its common-header fields and body (padding already removed).
    static func parse(count: UInt8, packetType: UInt8, body: ArraySlice<UInt8>,
                      limits: RTCPLimits) throws(RTCPParseError) -> RTCPPacket {
        switch (packetType, count) {
        case (RTCPSenderReport.packetType, _):
            return .senderReport(try .parse(count: count, body: body, limits: limits))
        case (RTCPReceiverReport.packetType, _):
            return .receiverReport(try .parse(count: count, body: body, limits: limits))
        case (RTCPSourceDescription.packetType, _):
            return .sourceDescription(try .parse(count: count, body: body, limits: limits))
        case (RTCPBye.packetType, _):
            return .bye(try .parse(count: count, body: body, limits: limits))
        case (transportFeedbackType, RTCPGenericNACK.format):
            return .genericNACK(try .parse(body: body, limits: limits))
        case (transportFeedbackType, RTCPTransportWideFeedback.format):
            return .transportWideFeedback(try .parse(body: body, limits: limits))
        case (payloadFeedbackType, RTCPPictureLossIndication.format):
            return .pictureLossIndication(try .parse(body: body))
        case (payloadFeedbackType, RTCPFullIntraRequest.format):
            return .fullIntraRequest(try .parse(body: body, limits: limits))
        case (payloadFeedbackType, RTCPREMB.format) where RTCPREMB.matches(body: body):
            return .remb(try .parse(body: body, limits: limits))
        default:
            return .unknown(packetType: packetType, format: count & 0x1F, bytes: Array(body))
        }
    }

    /// Appends this packet (several, for lists longer than a 5-bit count allows).
    func write(into out: inout [UInt8]) {
        switch self {
        case .senderReport(let packet): packet.write(into: &out)
        case .receiverReport(let packet): packet.write(into: &out)
        case .sourceDescription(let packet): packet.write(into: &out)
        case .bye(let packet): packet.write(into: &out)
        case .genericNACK(let packet): packet.write(into: &out)
        case .pictureLossIndication(let packet): packet.write(into: &out)
        case .fullIntraRequest(let packet): packet.write(into: &out)
        case .remb(let packet): packet.write(into: &out)
        case .transportWideFeedback(let packet): packet.write(into: &out)
        case .unknown(let packetType, let format, let bytes):
            let start = RTCPWriter.beginPacket(&out, count: format, packetType: packetType)
            out.append(contentsOf: bytes)
            RTCPWriter.finishPacket(&out, start: start)
        }
    }

    /// This packet alone on the wire.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        write(into: &out)
        return out
    }
}
