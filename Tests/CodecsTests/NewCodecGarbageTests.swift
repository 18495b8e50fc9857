import Testing
import TestSupport
@testable import Codecs

/// Seeded random input for the VP9, AV1 and H.265 code: nothing traps, every packet is either
/// delivered or counted.
@Suite struct NewCodecGarbageTests {
    func hammer<D: RTPDepacketizer>(_ depacketizer: inout D, seed: UInt64, headers: [UInt8]) -> Int {
        var generator = SeededGenerator(seed: seed)
        var delivered = 0
        var sequence: UInt16 = 0
        var timestamp: UInt32 = 0
        for round in 0..<5_000 {
            let length = round % 3 == 0 ? Int.random(in: 0...6, using: &generator)
                                        : Int.random(in: 0...1500, using: &generator)
            var payload = generator.bytes(length)
            if !payload.isEmpty && round % 2 == 0 {
                payload[0] = headers[Int.random(in: 0..<headers.count, using: &generator)]
            }
            sequence &+= UInt16.random(in: 0...5, using: &generator) == 0 ? 2 : 1
            if Int.random(in: 0...3, using: &generator) == 0 { timestamp &+= 3000 }
            delivered += depacketizer.push(payload: payload[...], sequenceNumber: sequence, rtpTimestamp: timestamp,
                                           marker: Bool.random(using: &generator)).count
        }
        return delivered
    }

    @Test func vp9Depacketizer() {
        var depacketizer = VP9Depacketizer(limits: DepacketizerLimits(maxAccessUnitBytes: 64 << 10))
        _ = hammer(&depacketizer, seed: 11, headers: [0x8c, 0x88, 0x84, 0xac, 0xd8, 0x8e, 0x0c, 0x2a])
        #expect(depacketizer.droppedPackets > 0)
    }

    @Test func av1Depacketizer() {
        var depacketizer = AV1Depacketizer(limits: DepacketizerLimits(maxAccessUnitBytes: 64 << 10))
        _ = hammer(&depacketizer, seed: 12, headers: [0x28, 0x10, 0x50, 0xd0, 0x90, 0x00, 0x18, 0x20])
        #expect(depacketizer.droppedPackets > 0)
    }

    @Test func h265Depacketizer() {
        var depacketizer = H265Depacketizer(limits: DepacketizerLimits(maxAccessUnitBytes: 64 << 10))
        _ = hammer(&depacketizer, seed: 13, headers: [0x60, 0x62, 0x26, 0x02, 0x40, 0x42, 0x44, 0x64])
        #expect(depacketizer.droppedPackets > 0)
    }

    @Test func parsersAndPacketizers() {
        var generator = SeededGenerator(seed: 14)
        var vp9 = VP9Packetizer()
        var av1 = AV1Packetizer()
        var h265 = H265Packetizer()
        for round in 0..<3_000 {
            let bytes = generator.bytes(round % 60)
            let slice = bytes[...]
            _ = try? VP9.PayloadDescriptor(parsing: slice)
            _ = try? VP9.ScalabilityStructure(parsing: slice)
            _ = try? VP9.FrameHeader(parsing: slice)
            _ = try? AV1.OBU(parsing: slice)
            _ = try? AV1.readLEB128(slice)
            _ = H265.isFirstSliceSegment(slice)
            _ = H265Depacketizer.beginsAccessUnit(slice)
            _ = H265.parameterSets(fromFmtp: ["sprop-sps": String(decoding: bytes, as: UTF8.self)])
            let unit = AccessUnit(payloads: [bytes, Array(bytes.reversed())], rtpTimestamp: 0, isKeyframe: round % 2 == 0)
            let size = Int.random(in: 0...80, using: &generator)
            for packet in vp9.packetize(unit, maxPayloadSize: size) + av1.packetize(unit, maxPayloadSize: size)
                + h265.packetize(unit, maxPayloadSize: size) {
                #expect(packet.payload.count <= size)
            }
        }
    }
}
