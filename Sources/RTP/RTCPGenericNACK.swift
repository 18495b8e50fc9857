import RTCBase

/// Generic NACK, transport-layer feedback PT 205 FMT 1 (RFC 4585 §6.2.1): FCI entries of a
/// packet ID (PID) and a bitmask of the 16 following lost packets (BLP).
public struct RTCPGenericNACK: Sendable, Equatable {
    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32
    /// Lost packets, expanded from PID+BLP. When encoding, list them in ascending order
    /// (modulo 2^16) for the tightest packing; each run within 16 of a PID shares one entry.
    public var lostSequenceNumbers: [UInt16]

    public init(senderSSRC: UInt32, mediaSSRC: UInt32, lostSequenceNumbers: [UInt16]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.lostSequenceNumbers = lostSequenceNumbers
    }

    static let format: UInt8 = 1

    static func parse(body: ArraySlice<UInt8>, limits: RTCPLimits) throws(RTCPParseError) -> RTCPGenericNACK {
        var reader = ByteReader(body)
        let sender = try reader.rtcpUInt32()
        let media = try reader.rtcpUInt32()
        guard reader.remaining % 4 == 0 else { throw .invalidField("NACK FCI is not a whole number of 32-bit entries") }
        let itemCount = reader.remaining / 4
        guard itemCount > 0 else { throw .invalidField("NACK without FCI entries") }
        guard itemCount <= limits.maxNACKItems else { throw .limitExceeded(.nackItems, cap: limits.maxNACKItems) }
        var lost: [UInt16] = []
        lost.reserveCapacity(itemCount)
        for _ in 0..<itemCount {
            let pid = try reader.rtcpUInt16()
            let mask = try reader.rtcpUInt16()
            lost.append(pid)
            var bits = mask
            while bits != 0 {
                let bit = UInt16(bits.trailingZeroBitCount)
                lost.append(pid &+ bit &+ 1)
                bits &= bits &- 1
            }
        }
        return RTCPGenericNACK(senderSSRC: sender, mediaSSRC: media, lostSequenceNumbers: lost)
    }

    /// PID+BLP entries packing `lostSequenceNumbers` greedily in the given order.
    var packedItems: [(pid: UInt16, mask: UInt16)] {
        var items: [(pid: UInt16, mask: UInt16)] = []
        for seq in lostSequenceNumbers {
            if let last = items.last {
                let distance = seq &- last.pid
                if distance == 0 { continue }
                if distance <= 16 {
                    items[items.count - 1].mask |= 1 << (distance - 1)
                    continue
                }
            }
            items.append((seq, 0))
        }
        return items
    }

    func write(into out: inout [UInt8]) {
        let start = RTCPWriter.beginPacket(&out, count: Self.format, packetType: RTCPPacket.transportFeedbackType)
        out.appendUInt32(senderSSRC)
        out.appendUInt32(mediaSSRC)
        for item in packedItems {
            out.appendUInt16(item.pid)
            out.appendUInt16(item.mask)
        }
        RTCPWriter.finishPacket(&out, start: start)
    }
}
