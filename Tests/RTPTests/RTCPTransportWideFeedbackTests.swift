import Testing
@testable import RTP

/// Vectors are Chrome-generated transport-wide feedback as published in pion/rtcp's
/// transport_layer_cc_test.go; layouts per draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1.
@Suite struct RTCPTransportWideFeedbackTests {
    // One packet, run-length chunk (symbol 1, run 1), delta 0x94 = 148 ticks, one padding byte.
    static let single = hex("af cd 00 05 fa 17 fa 17 43 03 2f a0 00 99 00 01 3d e8 02 17 20 01 94 01")

    @Test func parsesAndEncodesSinglePacketFeedback() throws {
        let feedback = RTCPTransportWideFeedback(
            senderSSRC: 0xFA17_FA17, mediaSSRC: 0x4303_2FA0, baseSequenceNumber: 153, referenceTime: 4_057_090,
            feedbackCount: 23, deltasMicroseconds: [37_000])
        #expect(try RTCPCompound.parse(Self.single) == [.transportWideFeedback(feedback)])
        #expect(RTCPCompound.serialize([.transportWideFeedback(feedback)]) == Self.single)
        #expect(feedback.referenceTimeMicroseconds == 4_057_090 * 64_000)
    }

    // Run-length chunk of seven small deltas, three padding bytes.
    @Test func runLengthOfSevenSmallDeltas() throws {
        let bytes = hex("af cd 00 07 fa 17 fa 17 19 3d d8 bb 00 04 00 07 10 63 6e 01 20 07 4c 24 24 10 0c 0c 10 00 00 03")
        let feedback = RTCPTransportWideFeedback(
            senderSSRC: 0xFA17_FA17, mediaSSRC: 0x193D_D8BB, baseSequenceNumber: 4, referenceTime: 1_074_030,
            feedbackCount: 1, deltasMicroseconds: [19_000, 9_000, 9_000, 4_000, 3_000, 3_000, 4_000])
        #expect(try RTCPCompound.parse(bytes) == [.transportWideFeedback(feedback)])
        #expect(RTCPCompound.serialize([.transportWideFeedback(feedback)]) == bytes)
    }

    // One-bit status vector 0xBA00: received ×3, lost, received, lost ×9.
    @Test func oneBitStatusVector() throws {
        let bytes = hex("af cd 00 06 fa 17 fa 17 19 3d d8 bb 00 01 00 0e 10 63 6d 00 ba 00 10 0c 0c 10 00 02")
        let deltas: [Int64?] = [4_000, 3_000, 3_000, nil, 4_000] + [Int64?](repeating: nil, count: 9)
        let feedback = RTCPTransportWideFeedback(
            senderSSRC: 0xFA17_FA17, mediaSSRC: 0x193D_D8BB, baseSequenceNumber: 1, referenceTime: 1_074_029,
            feedbackCount: 0, deltasMicroseconds: deltas)
        #expect(try RTCPCompound.parse(bytes) == [.transportWideFeedback(feedback)])
        #expect(RTCPCompound.serialize([.transportWideFeedback(feedback)]) == bytes)
    }

    // One-bit vector covering only 12 statuses (unused trailing bits zero).
    @Test func partialOneBitVector() throws {
        let bytes = hex("af cd 00 07 fa 17 fa 17 43 03 2f a0 9c 14 00 0c 75 84 20 00 be c0 c1 3f 3b 3f 53 90 3b 00 00 03")
        let deltas: [Int64?] = [48_250, 15_750, 14_750, 15_750, 20_750, nil, 36_000, 14_750, nil, nil, nil, nil]
        let feedback = RTCPTransportWideFeedback(
            senderSSRC: 0xFA17_FA17, mediaSSRC: 0x4303_2FA0, baseSequenceNumber: 39_956, referenceTime: 7_701_536,
            feedbackCount: 0, deltasMicroseconds: deltas)
        #expect(RTCPCompound.serialize([.transportWideFeedback(feedback)]) == bytes)
        #expect(try RTCPCompound.parse(bytes) == [.transportWideFeedback(feedback)])
    }

    // Real capture: two-bit vector (5 small, lost, large) then a run-length chunk of 48 lost of
    // which only 2 are needed; large delta 0x0109 = 265 ticks.
    @Test func twoBitVectorWithLargeDeltaAndOverlongRun() throws {
        let bytes = hex("af cd 00 07 9b 74 f6 1f 93 71 dc bc 85 3c 00 09 63 f9 16 b3 d5 52 00 30 9b aa 6a aa 7b 01 09 01")
        let packets = try RTCPCompound.parse(bytes)
        let expected = RTCPTransportWideFeedback(
            senderSSRC: 2_608_133_663, mediaSSRC: 2_473_712_828, baseSequenceNumber: 34_108, referenceTime: 6_551_830,
            feedbackCount: 179, deltasMicroseconds: [38_750, 42_500, 26_500, 42_500, 30_750, nil, 66_250, nil, nil])
        #expect(packets == [.transportWideFeedback(expected)])
        #expect(expected.packets.map(\.received) == [true, true, true, true, true, false, true, false, false])
        #expect(expected.packets.last?.sequenceNumber == 34_116)
        // Our encoder ends with a run of exactly 2 instead of 48; it must still parse back.
        let reencoded = RTCPCompound.serialize(packets)
        #expect(reencoded != bytes)
        #expect(try RTCPCompound.parse(reencoded) == packets)
    }

    @Test func negativeAndHugeDeltasUseLargeForm() throws {
        let feedback = RTCPTransportWideFeedback(
            senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 65_534, referenceTime: 0xFF_FFFF, feedbackCount: 255,
            deltasMicroseconds: [-8_192_000, 8_191_750, 0, 63_750, 64_000])
        let bytes = RTCPCompound.serialize([.transportWideFeedback(feedback)])
        #expect(try RTCPCompound.parse(bytes) == [.transportWideFeedback(feedback)])
        // Sequence numbers wrap past 65535.
        #expect(feedback.packets.map(\.sequenceNumber) == [65_534, 65_535, 0, 1, 2])
        // Out-of-range deltas clamp to the 16-bit tick range; sub-tick values round to nearest.
        #expect(RTCPTransportWideFeedback.ticks(10_000_000_000) == .max)
        #expect(RTCPTransportWideFeedback.ticks(-10_000_000_000) == .min)
        #expect(RTCPTransportWideFeedback.ticks(374) == 1)
        #expect(RTCPTransportWideFeedback.ticks(375) == 2)
        #expect(RTCPTransportWideFeedback.ticks(-375) == -2)
    }

    @Test func encoderUsesRunLengthForLongRuns() throws {
        let deltas = [Int64?](repeating: nil, count: 20) + [Int64?](repeating: 1_000, count: 30) + [nil, 250]
        let feedback = RTCPTransportWideFeedback(senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 10, referenceTime: 5,
                                                 feedbackCount: 3, deltasMicroseconds: deltas)
        let symbols = feedback.packets.map { $0.received ? UInt8(1) : 0 }
        #expect(RTCPTransportWideFeedback.chunks(for: symbols) == [0x0014, 0x201E, 0x8000 | 0x1000])
        #expect(try RTCPCompound.parse(RTCPCompound.serialize([.transportWideFeedback(feedback)])) == [.transportWideFeedback(feedback)])
    }

    @Test func emptyFeedbackIsAccepted() throws {
        let bytes = hex("8f cd 00 04 9a cb 04 42 00 00 00 00 00 00 00 00 00 00 00 00")
        #expect(try RTCPCompound.parse(bytes) == [.transportWideFeedback(RTCPTransportWideFeedback(
            senderSSRC: 0x9ACB_0442, mediaSSRC: 0, baseSequenceNumber: 0, referenceTime: 0, feedbackCount: 0, packets: []))])
    }

    @Test func rejectsMalformedFeedback() {
        // Status count 3 but run-length chunk holds 3 small deltas and only one delta byte is present.
        #expect(throws: RTCPParseError.truncated) {
            try RTCPCompound.parse(hex("af cd 00 05 fa 17 fa 17 43 03 2f a0 00 99 00 03 3d e8 02 17 20 03 94 01"))
        }
        // Two large deltas announced, one byte left.
        #expect(throws: RTCPParseError.truncated) {
            try RTCPCompound.parse(hex("af cd 00 05 fa 17 fa 17 43 03 2f a0 00 99 00 02 3d e8 02 17 40 02 94 01"))
        }
        // Padding bit set but last octet 0.
        #expect(throws: RTCPParseError.badPadding) {
            try RTCPCompound.parse(hex("af cd 00 07 fa 17 fa 17 19 3d d8 bb 01 74 00 06 45 b1 5a 40 40 02 20 04 1f fe 1f 9a d0 00 d0 00"))
        }
        // Reserved symbol 3 in a run-length chunk.
        #expect(throws: RTCPParseError.invalidField("TWCC reserved status symbol 3")) {
            try RTCPCompound.parse(hex("8f cd 00 05 00 00 00 01 00 00 00 02 00 00 00 01 00 00 00 00 60 01 00 00"))
        }
        // Chunks missing entirely.
        #expect(throws: RTCPParseError.truncated) {
            try RTCPCompound.parse(hex("8f cd 00 04 00 00 00 01 00 00 00 02 00 00 00 05 00 00 00 00"))
        }
    }

    @Test func statusCountAtCapAndOnePast() throws {
        func feedback(statuses: Int) -> [UInt8] {
            var bytes = hex("8f cd 00 00 00 00 00 01 00 00 00 02 00 00")
            bytes.append(UInt8(statuses >> 8))
            bytes.append(UInt8(statuses & 0xFF))
            bytes += hex("00 00 00 00")
            var left = statuses
            while left > 0 {
                let run = min(left, 0x1FFF)
                bytes.append(UInt8(run >> 8))
                bytes.append(UInt8(run & 0xFF))
                left -= run
            }
            while bytes.count % 4 != 0 { bytes.append(0) }
            let words = bytes.count / 4 - 1
            bytes[2] = UInt8(words >> 8)
            bytes[3] = UInt8(words & 0xFF)
            return bytes
        }
        guard case .transportWideFeedback(let parsed) = try RTCPCompound.parse(feedback(statuses: 4096)).first else {
            Issue.record("not TWCC")
            return
        }
        #expect(parsed.packets.count == 4096)
        #expect(parsed.packets.allSatisfy { !$0.received })
        #expect(throws: RTCPParseError.limitExceeded(.twccStatuses, cap: 4096)) {
            try RTCPCompound.parse(feedback(statuses: 4097))
        }
    }
}
