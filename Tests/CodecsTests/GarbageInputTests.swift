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

    /// Every parser either throws its parse error or returns values within the bounds of its
    /// input; over the 5,000 rounds each one both accepts and refuses.
    @Test func parsersAndKeyframeChecks() {
        var generator = SeededGenerator(seed: 4)
        var accepted = [0, 0, 0], refused = [0, 0, 0]
        for round in 0..<5_000 {
            let bytes = generator.bytes(round % 40)
            let slice = bytes[...]
            do {
                let sps = try H264.SequenceParameterSet(nalUnit: ([0x67] + bytes)[...])
                accepted[0] += 1
                #expect(sps.picWidthInMBs > 0 && sps.frameHeightInMBs > 0, "\(bytes)")
            } catch { refused[0] += 1 }
            do {
                let descriptor = try VP8.PayloadDescriptor(parsing: slice)
                accepted[1] += 1
                #expect(descriptor.size >= 1 && descriptor.size <= slice.count, "\(bytes)")
            } catch { refused[1] += 1 }
            do {
                let samples = try Opus.sampleCount(slice)
                accepted[2] += 1
                #expect(samples > 0 && samples <= 5_760, "\(bytes)")  // 120 ms at 48 kHz (RFC 6716 §3.2.5)
            } catch { refused[2] += 1 }
            _ = H264.firstMBInSlice(([0x41] + bytes)[...])  // must not trap; any value is possible
            if let size = VP8.keyframeDimensions(slice) { #expect(size.width < 1 << 14 && size.height < 1 << 14) }
            for descriptor in CodecRegistry.all { _ = descriptor.isKeyframePacket(slice) }
            let sets = H264.parseSpropParameterSets(String(decoding: bytes, as: UTF8.self))
            #expect(sets.allSatisfy { !$0.isEmpty && $0.count <= bytes.count })
        }
        #expect(accepted.allSatisfy { $0 > 0 } && refused.allSatisfy { $0 > 0 }, "accepted \(accepted), refused \(refused)")
    }
}
