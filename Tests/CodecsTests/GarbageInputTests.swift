import Testing
import TestSupport
@testable import Codecs

/// Random and short payloads must never trap; every packet is either delivered or counted.
@Suite struct GarbageInputTests {
    func hammer<D: RTPDepacketizer>(_ depacketizer: inout D, seed: UInt64) -> Int {
        var generator = SeededGenerator(seed: seed)
        var delivered = 0
        var sequence: UInt16 = 0
        var timestamp: UInt32 = 0
        for round in 0..<5_000 {
            let length = round % 3 == 0 ? Int.random(in: 0...4, using: &generator)
                                        : Int.random(in: 0...1500, using: &generator)
            var payload = generator.bytes(length)
            // Bias towards interesting headers so the parsers go deep.
            if !payload.isEmpty && round % 2 == 0 {
                payload[0] = [0x78, 0x7c, 0x65, 0x41, 0x67, 0x90, 0x10, 0x80][Int.random(in: 0...7, using: &generator)]
            }
            sequence &+= UInt16.random(in: 0...2, using: &generator) == 0 ? 2 : 1
            if Int.random(in: 0...3, using: &generator) == 0 { timestamp &+= 3000 }
            let units = depacketizer.push(payload: payload[...], sequenceNumber: sequence, rtpTimestamp: timestamp,
                                          marker: Bool.random(using: &generator))
            delivered += units.count
        }
        return delivered
    }

    @Test func h264Depacketizer() {
        var depacketizer = H264Depacketizer(limits: DepacketizerLimits(maxAccessUnitBytes: 64 << 10))
        _ = hammer(&depacketizer, seed: 1)
        #expect(depacketizer.droppedPackets > 0)
    }

    @Test func vp8Depacketizer() {
        var depacketizer = VP8Depacketizer()
        _ = hammer(&depacketizer, seed: 2)
        #expect(depacketizer.droppedPackets > 0)
    }

    @Test func frameDepacketizer() {
        var depacketizer = FrameDepacketizer()
        let delivered = hammer(&depacketizer, seed: 3)
        #expect(delivered + depacketizer.droppedPackets == 5_000)
    }

    @Test func parsersAndKeyframeChecks() {
        var generator = SeededGenerator(seed: 4)
        for round in 0..<5_000 {
            let bytes = generator.bytes(round % 40)
            let slice = bytes[...]
            _ = try? H264.SequenceParameterSet(nalUnit: ([0x67] + bytes)[...])
            _ = try? VP8.PayloadDescriptor(parsing: slice)
            _ = try? Opus.sampleCount(slice)
            _ = H264.firstMBInSlice(([0x41] + bytes)[...])
            _ = VP8.keyframeDimensions(slice)
            for descriptor in CodecRegistry.all { _ = descriptor.isKeyframePacket(slice) }
            _ = H264.parseSpropParameterSets(String(decoding: bytes, as: UTF8.self))
        }
    }
}
