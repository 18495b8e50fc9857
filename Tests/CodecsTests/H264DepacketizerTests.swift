import Testing
@testable import Codecs

/// Helpers: slices whose first_mb_in_slice is 0 (first byte after the header has its top bit
/// set) or 1 ("010..."), padded with a recognizable body.
func idrSlice(first: Bool = true, size: Int = 20, fill: UInt8 = 0xaa) -> [UInt8] {
    [0x65, first ? 0x88 : 0x40] + Array(repeating: fill, count: max(0, size - 2))
}
func pSlice(first: Bool = true, size: Int = 20, fill: UInt8 = 0xbb) -> [UInt8] {
    [0x41, first ? 0x9a : 0x40] + Array(repeating: fill, count: max(0, size - 2))
}

extension RTPDepacketizer {
    mutating func feed(_ packets: [TestPacket]) -> [AccessUnit] {
        packets.flatMap { push(payload: $0.payload[...], sequenceNumber: $0.sequenceNumber,
                               rtpTimestamp: $0.rtpTimestamp, marker: $0.marker) }
    }
}

@Suite struct H264DepacketizerTests {
    @Test func singleNALUnitPackets() {
        var depacketizer = H264Depacketizer()
        let out = depacketizer.feed([
            TestPacket(payload: demoSPS, sequenceNumber: 10, rtpTimestamp: 3000, marker: false),
            TestPacket(payload: demoPPS, sequenceNumber: 11, rtpTimestamp: 3000, marker: false),
            TestPacket(payload: idrSlice(), sequenceNumber: 12, rtpTimestamp: 3000, marker: true),
        ])
        #expect(out == [AccessUnit(payloads: [demoSPS, demoPPS, idrSlice()], rtpTimestamp: 3000, isKeyframe: true)])
        #expect(depacketizer.sps == demoSPS)
        #expect(depacketizer.pps == demoPPS)
        #expect(depacketizer.droppedPackets == 0)
    }

    @Test func stapAHandBuilt() {
        // RFC 6184 §5.7.1 Figure 7: STAP-A header, then (16-bit size, NAL) pairs.
        var payload: [UInt8] = [0x78, 0x00, UInt8(demoSPS.count)] + demoSPS + [0x00, 0x04] + demoPPS
        payload += [0x00, 0x04, 0x65, 0x88, 0x01, 0x02]
        var depacketizer = H264Depacketizer()
        let out = depacketizer.push(payload: payload[...], sequenceNumber: 1, rtpTimestamp: 90, marker: true)
        #expect(out == [AccessUnit(payloads: [demoSPS, demoPPS, [0x65, 0x88, 0x01, 0x02]], rtpTimestamp: 90,
                                   isKeyframe: true)])
    }

    @Test func fuAHandBuilt() {
        // RFC 6184 §5.8: FU indicator (F, NRI, type 28), FU header (S, E, R, type).
        let nal: [UInt8] = [0x65, 0x88, 1, 2, 3, 4, 5, 6]
        var depacketizer = H264Depacketizer()
        let out = depacketizer.feed([
            TestPacket(payload: [0x7c, 0x85, 0x88, 1, 2], sequenceNumber: 65534, rtpTimestamp: 7, marker: false),
            TestPacket(payload: [0x7c, 0x05, 3, 4], sequenceNumber: 65535, rtpTimestamp: 7, marker: false),
            TestPacket(payload: [0x7c, 0x45, 5, 6], sequenceNumber: 0, rtpTimestamp: 7, marker: true),
        ])
        #expect(out == [AccessUnit(payloads: [nal], rtpTimestamp: 7, isKeyframe: true)])
    }

    @Test func multiSliceFrameWithoutMarkerFlushesOnTimestampChange() {
        var depacketizer = H264Depacketizer()
        var out = depacketizer.feed([
            TestPacket(payload: pSlice(first: true), sequenceNumber: 1, rtpTimestamp: 3000, marker: false),
            TestPacket(payload: pSlice(first: false), sequenceNumber: 2, rtpTimestamp: 3000, marker: false),
        ])
        #expect(out.isEmpty)
        out = depacketizer.feed([TestPacket(payload: pSlice(), sequenceNumber: 3, rtpTimestamp: 6000, marker: false)])
        #expect(out == [AccessUnit(payloads: [pSlice(first: true), pSlice(first: false)], rtpTimestamp: 3000,
                                   isKeyframe: false)])
        #expect(depacketizer.flush() == [AccessUnit(payloads: [pSlice()], rtpTimestamp: 6000, isKeyframe: false)])
    }

    @Test func prependsCachedParameterSetsToBareIDR() {
        var depacketizer = H264Depacketizer(fmtp: ["sprop-parameter-sets": "Z0LAHtkAoC/5cBEAAAMAAQAAAwA8jxYuSA==,aMuMsg=="])
        #expect(depacketizer.parameterSets == [demoSPS, demoPPS])
        let aud: [UInt8] = [0x09, 0xf0]
        let out = depacketizer.feed([
            TestPacket(payload: aud, sequenceNumber: 1, rtpTimestamp: 0, marker: false),
            TestPacket(payload: idrSlice(), sequenceNumber: 2, rtpTimestamp: 0, marker: true),
            TestPacket(payload: pSlice(), sequenceNumber: 3, rtpTimestamp: 3000, marker: true),
        ])
        #expect(out.count == 2)
        #expect(out.first?.payloads == [aud, demoSPS, demoPPS, idrSlice()])
        #expect(out.last?.payloads == [pSlice()])
    }

    @Test func insertsMissingPPSAfterPresentSPS() {
        var depacketizer = H264Depacketizer(parameterSets: [demoPPS])
        let out = depacketizer.feed([
            TestPacket(payload: demoSPS, sequenceNumber: 1, rtpTimestamp: 0, marker: false),
            TestPacket(payload: idrSlice(), sequenceNumber: 2, rtpTimestamp: 0, marker: true),
        ])
        #expect(out.first?.payloads == [demoSPS, demoPPS, idrSlice()])
    }

    @Test func lostFragmentDropsUnitAndRecoversAtKeyframe() {
        var packetizer = H264Packetizer()
        var packets: [TestPacket] = []
        var sequence: UInt16 = 100
        let frames: [(AccessUnit)] = [
            AccessUnit(payloads: [demoSPS, demoPPS, idrSlice(size: 3000)], rtpTimestamp: 0, isKeyframe: true),
            AccessUnit(payloads: [pSlice(size: 2500)], rtpTimestamp: 3000, isKeyframe: false),
            AccessUnit(payloads: [pSlice(size: 2500, fill: 1)], rtpTimestamp: 6000, isKeyframe: false),
            AccessUnit(payloads: [idrSlice(size: 2600)], rtpTimestamp: 9000, isKeyframe: true),
            AccessUnit(payloads: [pSlice(size: 100)], rtpTimestamp: 12000, isKeyframe: false),
        ]
        for frame in frames {
            for (payload, marker) in packetizer.packetize(frame, maxPayloadSize: 1200) {
                packets.append(TestPacket(payload: payload, sequenceNumber: sequence, rtpTimestamp: frame.rtpTimestamp,
                                          marker: marker))
                sequence &+= 1
            }
        }
        // Frame 1 (ts 3000) is three FU-A packets: lose its middle one.
        let lostIndex = packets.firstIndex { $0.rtpTimestamp == 3000 }.map { $0 + 1 } ?? 0
        let lostPacket = packets.remove(at: lostIndex)
        #expect(lostPacket.payload[1] & 0xc0 == 0)  // a middle fragment

        var depacketizer = H264Depacketizer()
        let out = depacketizer.feed(packets)
        #expect(out.map(\.rtpTimestamp) == [0, 9000, 12000])
        // IDR at 9000 got the cached SPS/PPS prepended.
        #expect(out[1].payloads == [demoSPS, demoPPS, idrSlice(size: 2600)])
        #expect(out[1].isKeyframe)
        #expect(depacketizer.droppedAccessUnits == 2)
        #expect(depacketizer.droppedPackets == 2 + 3)  // 2 left of the broken frame + the next P frame
    }

    @Test func gapBeforeNonFirstSliceDropsThatUnit() {
        var depacketizer = H264Depacketizer()
        let out = depacketizer.feed([
            TestPacket(payload: idrSlice(first: true), sequenceNumber: 1, rtpTimestamp: 0, marker: false),
            TestPacket(payload: idrSlice(first: false), sequenceNumber: 2, rtpTimestamp: 0, marker: true),
            // Packet 3 (first slice of the next IDR) lost; packet 4 is its second slice.
            TestPacket(payload: idrSlice(first: false), sequenceNumber: 4, rtpTimestamp: 3000, marker: true),
            TestPacket(payload: idrSlice(first: true), sequenceNumber: 5, rtpTimestamp: 6000, marker: true),
        ])
        #expect(out.map(\.rtpTimestamp) == [0, 6000])
        #expect(depacketizer.droppedPackets == 1)
    }

    @Test func duplicateAndLatePacketsAreDropped() {
        var depacketizer = H264Depacketizer()
        let out = depacketizer.feed([
            TestPacket(payload: pSlice(), sequenceNumber: 10, rtpTimestamp: 0, marker: true),
            TestPacket(payload: pSlice(), sequenceNumber: 10, rtpTimestamp: 0, marker: true),
            TestPacket(payload: pSlice(), sequenceNumber: 9, rtpTimestamp: 0, marker: true),
            TestPacket(payload: pSlice(), sequenceNumber: 11, rtpTimestamp: 3000, marker: true),
        ])
        #expect(out.count == 2)
        #expect(depacketizer.droppedPackets == 2)
    }

    @Test func accessUnitByteCapAtLimitAndOnePast() {
        let limits = DepacketizerLimits(maxAccessUnitBytes: 5000)
        for (size, delivered) in [(5000, true), (5001, false)] {
            var depacketizer = H264Depacketizer(limits: limits)
            var packetizer = H264Packetizer()
            let unit = AccessUnit(payloads: [pSlice(size: 2000), pSlice(first: false, size: size - 2000)],
                                  rtpTimestamp: 0, isKeyframe: false)
            var sequence: UInt16 = 0
            var out: [AccessUnit] = []
            for (payload, marker) in packetizer.packetize(unit, maxPayloadSize: 1200) {
                out += depacketizer.push(payload: payload[...], sequenceNumber: sequence, rtpTimestamp: 0, marker: marker)
                sequence += 1
            }
            #expect(out == (delivered ? [unit] : []))
            #expect(depacketizer.droppedAccessUnits == (delivered ? 0 : 1))
        }
    }

    @Test func nalCountCapAtLimitAndOnePast() {
        let limits = DepacketizerLimits(maxNALUnitsPerAccessUnit: 8)
        for (count, delivered) in [(8, true), (9, false)] {
            var depacketizer = H264Depacketizer(limits: limits)
            var payload: [UInt8] = [0x78]
            for index in 0..<count { payload += [0x00, 0x02, 0x41, UInt8(index == 0 ? 0x80 : 0x40)] }
            let out = depacketizer.push(payload: payload[...], sequenceNumber: 0, rtpTimestamp: 0, marker: true)
            #expect(out.first?.payloads.count == (delivered ? count : nil))
            #expect(depacketizer.droppedPackets == (delivered ? 0 : 1))
        }
    }

    @Test func malformedPacketsBreakTheUnit() {
        // (An empty payload is padding, not malformed: FrameAssemblerTests.)
        let malformed: [[UInt8]] = [
            [0xe5, 0x88],                     // forbidden_zero_bit set
            [0x78],                           // STAP-A with no units
            [0x78, 0x00, 0x05, 0x41],         // STAP-A size past the end
            [0x78, 0x00, 0x00],               // STAP-A zero-size unit
            [0x7c],                           // FU-A without header
            [0x7c, 0xc5, 0x88],               // FU-A with S and E
            [0x7c, 0x05, 0x88],               // FU-A continuation without a start
            [0x79, 0x00],                     // STAP-B (interleaved mode)
            [0x7e, 0x00], [0x7f, 0x00], [0x60],  // reserved types 30, 31 and type 0
        ]
        for payload in malformed {
            var depacketizer = H264Depacketizer()
            let out = depacketizer.push(payload: payload[...], sequenceNumber: 0, rtpTimestamp: 0, marker: true)
            #expect(out.isEmpty, "payload \(payload)")
            #expect(depacketizer.droppedPackets == 1)
        }
    }

    @Test func fragmentTypeMismatchBreaksTheUnit() {
        var depacketizer = H264Depacketizer()
        let out = depacketizer.feed([
            TestPacket(payload: [0x7c, 0x85, 0x88], sequenceNumber: 1, rtpTimestamp: 0, marker: false),
            TestPacket(payload: [0x7c, 0x41, 0x01], sequenceNumber: 2, rtpTimestamp: 0, marker: true),
        ])
        #expect(out.isEmpty)
        #expect(depacketizer.droppedPackets == 2)
    }
}
