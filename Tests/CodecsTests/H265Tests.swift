import RTCBase
import Testing
@testable import Codecs

// Two-byte NAL headers (RFC 7798 §1.1.4: F | Type(6) | LayerId(6) | TID(3)), TID = 1.
let hevcVPS: [UInt8] = [0x40, 0x01, 0x0c, 0x01, 0xff, 0xff]
let hevcSPS: [UInt8] = [0x42, 0x01, 0x01, 0x01, 0x60, 0x00]
let hevcPPS: [UInt8] = [0x44, 0x01, 0xc1, 0x72]
let hevcAUD: [UInt8] = [0x46, 0x01, 0x50]

/// IDR_W_RADL (type 19) or TRAIL_R (type 1) slice; `first` sets first_slice_segment_in_pic_flag.
func hevcSlice(idr: Bool, first: Bool = true, size: Int = 20, fill: UInt8 = 0xa5) -> [UInt8] {
    [idr ? 0x26 : 0x02, 0x01, first ? 0xaf : 0x2f] + Array(repeating: fill, count: max(0, size - 3))
}

@Suite struct H265DepacketizerTests {
    @Test func singleNALUnitPackets() {
        // RFC 7798 §4.4.1: the payload is the NAL unit itself.
        var depacketizer = H265Depacketizer()
        let out = depacketizer.feed([
            TestPacket(payload: hevcVPS, sequenceNumber: 1, rtpTimestamp: 90, marker: false),
            TestPacket(payload: hevcSPS, sequenceNumber: 2, rtpTimestamp: 90, marker: false),
            TestPacket(payload: hevcPPS, sequenceNumber: 3, rtpTimestamp: 90, marker: false),
            TestPacket(payload: hevcSlice(idr: true), sequenceNumber: 4, rtpTimestamp: 90, marker: true),
            TestPacket(payload: hevcSlice(idr: false), sequenceNumber: 5, rtpTimestamp: 3090, marker: true),
        ])
        #expect(out == [
            AccessUnit(payloads: [hevcVPS, hevcSPS, hevcPPS, hevcSlice(idr: true)], rtpTimestamp: 90, isKeyframe: true),
            AccessUnit(payloads: [hevcSlice(idr: false)], rtpTimestamp: 3090, isKeyframe: false),
        ])
        #expect(depacketizer.parameterSets == [hevcVPS, hevcSPS, hevcPPS])
        #expect(depacketizer.droppedPackets == 0)
    }

    @Test func aggregationPacketHandBuilt() {
        // RFC 7798 §4.4.2 Figure 7 (no DONL): PayloadHdr (Type = 48), then NALU size + NALU pairs.
        let payload: [UInt8] = [0x60, 0x01, 0x00, 0x06] + hevcVPS + [0x00, 0x06] + hevcSPS + [0x00, 0x04] + hevcPPS
        var depacketizer = H265Depacketizer()
        let out = depacketizer.push(payload: payload[...], sequenceNumber: 9, rtpTimestamp: 1, marker: false)
        #expect(out.isEmpty)
        #expect(depacketizer.flush() == [AccessUnit(payloads: [hevcVPS, hevcSPS, hevcPPS], rtpTimestamp: 1,
                                                    isKeyframe: false)])
        #expect(H265.isKeyframePacket(payload[...]))
    }

    @Test func fragmentationUnitHandBuilt() {
        // RFC 7798 §4.4.3 Figure 9: PayloadHdr (Type = 49, LayerId/TID copied), FU header
        // S | E | FuType, FU payload. The NAL header is rebuilt from both.
        let nal: [UInt8] = [0x27, 0x0a, 0xaf, 1, 2, 3, 4, 5]  // IDR_W_RADL, LayerId 33, TID 2
        var depacketizer = H265Depacketizer()
        let out = depacketizer.feed([
            TestPacket(payload: [0x63, 0x0a, 0x93, 0xaf, 1], sequenceNumber: 65535, rtpTimestamp: 5, marker: false),
            TestPacket(payload: [0x63, 0x0a, 0x13, 2, 3], sequenceNumber: 0, rtpTimestamp: 5, marker: false),
            TestPacket(payload: [0x63, 0x0a, 0x53, 4, 5], sequenceNumber: 1, rtpTimestamp: 5, marker: true),
        ])
        #expect(out == [AccessUnit(payloads: [nal], rtpTimestamp: 5, isKeyframe: true)])
    }

    @Test func malformedPacketsBreakTheUnit() {
        let cases: [[UInt8]] = [
            [0x60, 0x01, 0x00, 0x06] + hevcVPS,            // AP with one NAL unit
            [0x60, 0x01, 0x00, 0x09] + hevcVPS,            // AP size past the end
            [0x62, 0x01, 0xd3, 0x01],                      // FU with S and E
            [0x62, 0x01, 0x13, 0x01],                      // FU continuation without a start
            [0x64, 0x01, 0x00, 0x00],                      // PACI (type 50)
            [0x80, 0x01, 0x00],                            // forbidden bit
            [0x26],                                        // shorter than a NAL header
        ]
        for payload in cases {
            var depacketizer = H265Depacketizer()
            let out = depacketizer.push(payload: payload[...], sequenceNumber: 1, rtpTimestamp: 0, marker: true)
            #expect(out.isEmpty, "\(payload)")
            #expect(depacketizer.droppedAccessUnits == 1)
        }
    }

    @Test func prependsCachedParameterSetsFromFmtp() {
        let fmtp = ["sprop-vps": Base64.encode(hevcVPS), "sprop-sps": Base64.encode(hevcSPS),
                    "SPROP-PPS": Base64.encode(hevcPPS) + ",!!"]
        #expect(H265.parameterSets(fromFmtp: fmtp) == [hevcVPS, hevcSPS, hevcPPS])
        var depacketizer = H265Depacketizer(fmtp: fmtp)
        let out = depacketizer.feed([
            TestPacket(payload: hevcAUD, sequenceNumber: 1, rtpTimestamp: 0, marker: false),
            TestPacket(payload: hevcSlice(idr: true), sequenceNumber: 2, rtpTimestamp: 0, marker: true),
            TestPacket(payload: hevcSlice(idr: false), sequenceNumber: 3, rtpTimestamp: 3000, marker: true),
        ])
        #expect(out.map(\.payloads) == [[hevcAUD, hevcVPS, hevcSPS, hevcPPS, hevcSlice(idr: true)],
                                        [hevcSlice(idr: false)]])
    }

    @Test func insertsOnlyTheMissingParameterSets() {
        var depacketizer = H265Depacketizer(parameterSets: [hevcVPS, hevcSPS, hevcPPS])
        let newPPS: [UInt8] = [0x44, 0x01, 0xc0, 0x01]
        let out = depacketizer.feed([
            TestPacket(payload: newPPS, sequenceNumber: 1, rtpTimestamp: 0, marker: false),
            TestPacket(payload: hevcSlice(idr: true), sequenceNumber: 2, rtpTimestamp: 0, marker: true),
        ])
        #expect(out.first?.payloads == [hevcVPS, hevcSPS, newPPS, hevcSlice(idr: true)])
        #expect(depacketizer.pps == newPPS)
    }

    @Test func lostFragmentDropsUnitUntilNextIRAP() {
        var packetizer = H265Packetizer()
        let units = [
            AccessUnit(payloads: [hevcVPS, hevcSPS, hevcPPS, hevcSlice(idr: true, size: 3000)], rtpTimestamp: 0, isKeyframe: true),
            AccessUnit(payloads: [hevcSlice(idr: false, size: 3000)], rtpTimestamp: 3000, isKeyframe: false),
            AccessUnit(payloads: [hevcSlice(idr: false, size: 500)], rtpTimestamp: 6000, isKeyframe: false),
            AccessUnit(payloads: [hevcSlice(idr: true, size: 2500)], rtpTimestamp: 9000, isKeyframe: true),
            AccessUnit(payloads: [hevcSlice(idr: false, size: 100)], rtpTimestamp: 12000, isKeyframe: false),
        ]
        var packets: [TestPacket] = []
        var sequence: UInt16 = 100
        for unit in units {
            for packet in packetizer.packetize(unit, maxPayloadSize: 1200) {
                packets.append(TestPacket(payload: packet.payload, sequenceNumber: sequence,
                                          rtpTimestamp: unit.rtpTimestamp, marker: packet.marker))
                sequence &+= 1
            }
        }
        // Drop the middle fragment of the second unit (packets: AP, 3 FU | 3 FU | 1 | 3 FU | 1).
        packets.remove(at: 5)
        var depacketizer = H265Depacketizer()
        let out = depacketizer.feed(packets)
        var expectedKeyframe = units[3]
        expectedKeyframe.payloads = [hevcVPS, hevcSPS, hevcPPS] + expectedKeyframe.payloads
        #expect(out == [units[0], expectedKeyframe, units[4]])
        #expect(depacketizer.droppedAccessUnits == 2)
        #expect(depacketizer.droppedPackets == 3)
    }

    @Test func accessUnitByteLimitAtCapAndOnePast() {
        let nal = hevcSlice(idr: true, size: 5000)
        for (cap, delivered) in [(5000, true), (4999, false)] {
            var packetizer = H265Packetizer()
            var depacketizer = H265Depacketizer(limits: DepacketizerLimits(maxAccessUnitBytes: cap))
            let unit = AccessUnit(payloads: [nal], rtpTimestamp: 0, isKeyframe: true)
            let result = roundTrip([unit], packetizer: &packetizer, depacketizer: &depacketizer)
            #expect(result.delivered == (delivered ? [unit] : []), "cap \(cap)")
        }
    }

    @Test func nalUnitCountLimitAtCapAndOnePast() {
        let slices = (0..<8).map { hevcSlice(idr: true, first: $0 == 0, size: 10) }
        for (cap, delivered) in [(8, true), (7, false)] {
            var packetizer = H265Packetizer()
            var depacketizer = H265Depacketizer(limits: DepacketizerLimits(maxNALUnitsPerAccessUnit: cap))
            let unit = AccessUnit(payloads: slices, rtpTimestamp: 0, isKeyframe: true)
            let result = roundTrip([unit], packetizer: &packetizer, depacketizer: &depacketizer)
            #expect(result.delivered == (delivered ? [unit] : []), "cap \(cap)")
        }
    }

    @Test func parameterSetSizeLimitAtCapAndOnePast() {
        let bigSPS = [0x42, 0x01] + Array(repeating: UInt8(0x11), count: 98)
        let atCap = H265Depacketizer(parameterSets: [bigSPS], limits: DepacketizerLimits(maxParameterSetBytes: 100))
        let pastCap = H265Depacketizer(parameterSets: [bigSPS], limits: DepacketizerLimits(maxParameterSetBytes: 99))
        #expect(atCap.sps == bigSPS)
        #expect(pastCap.sps == nil)
    }
}

@Suite struct H265PacketizerTests {
    @Test func smallUnitsShareAnAggregationPacket() {
        var packetizer = H265Packetizer()
        let idr = hevcSlice(idr: true, size: 10)
        let unit = AccessUnit(payloads: [hevcVPS, hevcSPS, hevcPPS, idr], rtpTimestamp: 0, isKeyframe: true)
        let packets = packetizer.packetize(unit, maxPayloadSize: 1200)
        let expected: [UInt8] = [0x60, 0x01, 0x00, 0x06] + hevcVPS + [0x00, 0x06] + hevcSPS + [0x00, 0x04] + hevcPPS
            + [0x00, 0x0a] + idr
        #expect(packets.map(\.payload) == [expected])
        #expect(packets.map(\.marker) == [true])
    }

    @Test func aggregationHeaderTakesLowestLayerAndTemporalID() {
        // §4.4.2: F = OR of F bits; LayerId and TID are the lowest of the aggregated units.
        var packetizer = H265Packetizer()
        let a: [UInt8] = [0x03, 0x0b, 0xaa]  // LayerId 33, TID 3
        let b: [UInt8] = [0x02, 0x12, 0xbb]  // LayerId 2, TID 2
        let packets = packetizer.packetize(AccessUnit(payloads: [a, b], rtpTimestamp: 0, isKeyframe: false),
                                           maxPayloadSize: 100)
        #expect(packets.first?.payload == [0x60, 0x12, 0x00, 0x03] + a + [0x00, 0x03] + b)
    }

    @Test func largeUnitsBecomeEvenFragments() {
        var packetizer = H265Packetizer()
        let nal = hevcSlice(idr: true, size: 2500)
        let packets = packetizer.packetize(AccessUnit(payloads: [nal], rtpTimestamp: 0, isKeyframe: true),
                                           maxPayloadSize: 1200)
        #expect(packets.count == 3)
        #expect(packets.map { $0.payload.prefix(3) } == [[0x62, 0x01, 0x93], [0x62, 0x01, 0x13], [0x62, 0x01, 0x53]])
        #expect(packets.map(\.payload.count) == [836, 836, 835])  // 2498 body bytes: 833 + 833 + 832
        #expect(packets.map(\.marker) == [false, false, true])
        #expect(packetizer.packetize(AccessUnit(payloads: [nal], rtpTimestamp: 0, isKeyframe: true),
                                     maxPayloadSize: 3).isEmpty)
    }

    @Test func roundTripsAtManySizes() {
        var packetizer = H265Packetizer()
        var depacketizer = H265Depacketizer()
        var units: [AccessUnit] = []
        var timestamp: UInt32 = 0
        for size in Array(2...40) + Array(stride(from: 41, through: 10_000, by: 37)) + [1197, 1198, 1199, 1200, 1201, 2397, 2398, 10_000] {
            let nal = [0x02, 0x01] + (0..<(size - 2)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ size) }
            units.append(AccessUnit(payloads: [nal, hevcSlice(idr: false, first: false, size: 30)],
                                    rtpTimestamp: timestamp, isKeyframe: false))
            timestamp &+= 3000
        }
        let result = roundTrip(units, packetizer: &packetizer, depacketizer: &depacketizer, firstSequenceNumber: 65000)
        #expect(result.delivered == units)
        #expect(result.packets.allSatisfy { $0.payload.count <= 1200 })
        #expect(depacketizer.droppedPackets == 0)
    }
}
