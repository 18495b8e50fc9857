import Foundation
@testable import Codecs

/// Real bitstreams under Fixtures/ (see Fixtures/README.txt), read through #filePath.
enum CodecFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func load(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    /// Frames of an IVF file (32-byte header, then 12-byte frame headers: size 32 LE, pts 64 LE).
    static func ivfFrames(_ bytes: [UInt8]) -> [[UInt8]] {
        guard bytes.count >= 32 else { return [] }
        let headerSize = Int(bytes[6]) | Int(bytes[7]) << 8
        var frames: [[UInt8]] = []
        var offset = headerSize
        while offset + 12 <= bytes.count {
            let size = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16
                | Int(bytes[offset + 3]) << 24
            offset += 12
            guard size <= bytes.count - offset else { break }
            frames.append(Array(bytes[offset..<(offset + size)]))
            offset += size
        }
        return frames
    }

    /// NAL units of an Annex-B stream (start codes 00 00 01 / 00 00 00 01 removed).
    static func annexBNALUnits(_ bytes: [UInt8]) -> [[UInt8]] {
        var starts: [(prefix: Int, payload: Int)] = []
        var index = 0
        while index + 2 < bytes.count {
            if bytes[index] == 0 && bytes[index + 1] == 0 && bytes[index + 2] == 1 {
                let prefix = index > 0 && bytes[index - 1] == 0 ? index - 1 : index
                starts.append((prefix, index + 3))
                index += 3
            } else {
                index += 1
            }
        }
        return starts.enumerated().map { number, start in
            let end = number + 1 < starts.count ? starts[number + 1].prefix : bytes.count
            return Array(bytes[start.payload..<end])
        }
    }

    /// Groups H.265 NAL units into access units (ITU-T H.265 §7.4.2.4.4): a new unit starts at a
    /// VPS/SPS/PPS/AUD/prefix SEI or a first slice segment once the current unit has a slice.
    static func h265AccessUnits(_ nalUnits: [[UInt8]]) -> [[[UInt8]]] {
        var units: [[[UInt8]]] = []
        var current: [[UInt8]] = []
        var hasSlice = false
        for nal in nalUnits where nal.count >= 2 {
            let type = H265.nalType(nal[0])
            let starts = H265.isVCL(type) ? H265.isFirstSliceSegment(nal[...]) == true
                                          : (32...35).contains(type) || type == H265.prefixSEI
            if starts && hasSlice {
                units.append(current)
                current = []
                hasSlice = false
            }
            current.append(nal)
            if H265.isVCL(type) { hasSlice = true }
        }
        if !current.isEmpty { units.append(current) }
        return units
    }
}

/// Packetizes `units` (timestamps 3000 apart) and feeds the payloads to `depacketizer` in order,
/// sequence numbers starting at `firstSequenceNumber`. Returns the packets and the delivered units.
func roundTrip<P: RTPPacketizer, D: RTPDepacketizer>(
    _ units: [AccessUnit], packetizer: inout P, depacketizer: inout D, maxPayloadSize: Int = 1200,
    firstSequenceNumber: UInt16 = 0
) -> (packets: [TestPacket], delivered: [AccessUnit]) {
    var packets: [TestPacket] = []
    var sequence = firstSequenceNumber
    for unit in units {
        for packet in packetizer.packetize(unit, maxPayloadSize: maxPayloadSize) {
            packets.append(TestPacket(payload: packet.payload, sequenceNumber: sequence,
                                      rtpTimestamp: unit.rtpTimestamp, marker: packet.marker))
            sequence &+= 1
        }
    }
    return (packets, depacketizer.feed(packets))
}
