/// Packetizer for one-frame-per-payload formats (Opus RFC 7587 §4.2, G.711 RFC 3551): the frame
/// goes out unchanged in one payload. Frames above `maxPayloadSize` are not sent (Opus packets
/// cannot be split), so the result is empty. The marker bit stays clear (RFC 7587 §4.1).
public struct FramePacketizer: RTPPacketizer, Sendable {
    public init() {}

    public mutating func packetize(_ unit: AccessUnit, maxPayloadSize: Int) -> [(payload: [UInt8], marker: Bool)] {
        guard let frame = unit.payloads.first, !frame.isEmpty, frame.count <= maxPayloadSize else { return [] }
        return [(frame, false)]
    }
}
