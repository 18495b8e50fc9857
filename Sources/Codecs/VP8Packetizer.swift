/// Splits VP8 frames into RTP payloads (RFC 7741 §4): each payload carries a 4-byte descriptor
/// with X = 1, I = 1 and a 15-bit PictureID that increments per frame; S = 1 on the first payload
/// (PID 0), marker on the last. Fragments are evenly sized.
public struct VP8Packetizer: RTPPacketizer, Sendable {
    /// PictureID of the next frame (15 bits, wraps).
    public private(set) var nextPictureID: UInt16

    public init(initialPictureID: UInt16 = 0) {
        nextPictureID = initialPictureID & 0x7fff
    }

    static let descriptorSize = 4

    public mutating func packetize(_ unit: AccessUnit, maxPayloadSize: Int) -> [(payload: [UInt8], marker: Bool)] {
        guard let frame = unit.payloads.first, !frame.isEmpty,
              maxPayloadSize > Self.descriptorSize else { return [] }
        let pictureID = nextPictureID
        nextPictureID = (nextPictureID &+ 1) & 0x7fff
        let capacity = maxPayloadSize - Self.descriptorSize
        let count = (frame.count + capacity - 1) / capacity
        let baseSize = frame.count / count
        let larger = frame.count % count
        var packets: [(payload: [UInt8], marker: Bool)] = []
        packets.reserveCapacity(count)
        var start = 0
        for index in 0..<count {
            let size = baseSize + (index < larger ? 1 : 0)
            var payload: [UInt8] = []
            payload.reserveCapacity(Self.descriptorSize + size)
            payload.append(index == 0 ? 0x90 : 0x80)  // X, S on the first
            payload.append(0x80)  // I
            payload.append(0x80 | UInt8(truncatingIfNeeded: pictureID >> 8))
            payload.append(UInt8(truncatingIfNeeded: pictureID))
            payload.append(contentsOf: frame[start..<(start + size)])
            packets.append((payload, index == count - 1))
            start += size
        }
        return packets
    }
}
