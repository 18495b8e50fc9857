import Testing
@testable import Codecs

/// OBU in low-overhead format: header with obu_has_size_field, LEB128 obu_size, payload.
func av1OBU(type: UInt8, _ payload: [UInt8], extensionHeader: UInt8? = nil) -> [UInt8] {
    var out: [UInt8] = [type << 3 | 0x02 | (extensionHeader == nil ? 0 : 0x04)]
    if let extensionHeader { out.append(extensionHeader) }
    AV1.appendLEB128(payload.count, to: &out)
    return out + payload
}

/// Sequence header payload: seq_profile 0, still_picture 0, reduced_still_picture_header 0, ...
let av1SequenceHeaderPayload: [UInt8] = [0x00, 0x00, 0x00, 0x02, 0xaf, 0xff, 0x9b, 0x5f, 0x30, 0x08]

/// Frame OBU payload starting with show_existing_frame 0, frame_type KEY (0) or INTER (1), show_frame 1.
func av1FramePayload(key: Bool, size: Int, fill: UInt8 = 0x3c) -> [UInt8] {
    [key ? 0x10 : 0x30] + Array(repeating: fill, count: max(0, size - 1))
}

/// A temporal unit as a depacketizer delivers it: TD, then (sequence header,) frame.
func av1TemporalUnit(frameSize: Int, key: Bool = true) -> [[UInt8]] {
    var unit = [AV1.temporalDelimiter]
    if key { unit.append(av1OBU(type: 1, av1SequenceHeaderPayload)) }
    unit.append(av1OBU(type: 6, av1FramePayload(key: key, size: frameSize)))
    return unit
}

@Suite struct AV1OBUTests {
    @Test func leb128Vectors() throws {
        // AV1 specification §4.10.5: seven bits per byte, least significant group first.
        for (value, bytes) in [(0, [0x00]), (127, [0x7f]), (128, [0x80, 0x01]), (300, [0xac, 0x02]),
                               (16_383, [0xff, 0x7f]), (16_384, [0x80, 0x80, 0x01])] as [(Int, [UInt8])] {
            var out: [UInt8] = []
            AV1.appendLEB128(value, to: &out)
            #expect(out == bytes, "\(value)")
            #expect(AV1.leb128Size(value) == bytes.count)
            #expect(try AV1.readLEB128(bytes[...]) == (value, bytes.count))
        }
        // Padded encodings are valid; eight bytes at most; values must fit 32 bits.
        #expect(try AV1.readLEB128([0x81, 0x80, 0x80, 0x00][...]) == (1, 4))
        #expect(throws: CodecParseError.invalidValue(field: "leb128 length", value: 9)) {
            try AV1.readLEB128([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00][...])
        }
        #expect(throws: CodecParseError.self) { try AV1.readLEB128([0x80, 0x80, 0x80, 0x80, 0x10][...]) }
        #expect(throws: CodecParseError.truncated(field: "leb128")) { try AV1.readLEB128([0x80][...]) }
    }

    @Test func obuHeaderFields() throws {
        // §5.3.1: forbidden | type(4) | extension_flag | has_size_field | reserved; §5.3.3 extension.
        let bytes: [UInt8] = [0x36, 0x28, 0x02, 0xaa, 0xbb, 0xcc]
        let obu = try AV1.OBU(parsing: bytes[...])
        #expect(obu.type == AV1.OBUType.frame)
        #expect(obu.extensionHeader == 0x28)
        #expect(Array(obu.payload) == [0xaa, 0xbb])
        #expect(obu.endIndex == 5)
        let unsized = try AV1.OBU(parsing: [0x30, 1, 2, 3][...])
        #expect(Array(unsized.payload) == [1, 2, 3])
        #expect(throws: CodecParseError.invalidValue(field: "obu_forbidden_bit", value: 1)) {
            try AV1.OBU(parsing: [0xb0, 1][...])
        }
        #expect(throws: CodecParseError.truncated(field: "obu payload")) { try AV1.OBU(parsing: [0x32, 0x05, 1][...]) }
    }
}

@Suite struct AV1DepacketizerTests {
    @Test func aggregatedElementsWithW() {
        // AV1 RTP §4.4: Z=0 Y=0 W=2 N=1 (0x28); element 1 with LEB128 length, element 2 without.
        // §4.3: OBUs arrive without obu_size; the output gets it back (low-overhead format).
        let sequenceHeader: [UInt8] = [0x08] + av1SequenceHeaderPayload
        let frame: [UInt8] = [0x30] + av1FramePayload(key: true, size: 4)
        let payload: [UInt8] = [0x28, UInt8(sequenceHeader.count)] + sequenceHeader + frame
        var depacketizer = AV1Depacketizer()
        let out = depacketizer.push(payload: payload[...], sequenceNumber: 7, rtpTimestamp: 90, marker: true)
        #expect(out == [AccessUnit(payloads: av1TemporalUnit(frameSize: 4), rtpTimestamp: 90, isKeyframe: true)])
    }

    @Test func everyElementLengthPrefixedWithWZero() {
        // W=0: every element has a length; a received TD is dropped; an OBU that kept its
        // obu_size field (with an extension header) is accepted as is.
        let td: [UInt8] = [0x10]
        let frameHeader = av1OBU(type: 3, [0x30, 0x01], extensionHeader: 0x08)
        let tileGroup: [UInt8] = [0x20, 0xaa, 0xbb, 0xcc]
        let payload: [UInt8] = [0x00, 0x01] + td + [UInt8(frameHeader.count)] + frameHeader + [0x04] + tileGroup
        var depacketizer = AV1Depacketizer()
        let out = depacketizer.push(payload: payload[...], sequenceNumber: 1, rtpTimestamp: 3, marker: true)
        #expect(out == [AccessUnit(payloads: [AV1.temporalDelimiter, frameHeader, [0x22, 0x03, 0xaa, 0xbb, 0xcc]],
                                   rtpTimestamp: 3, isKeyframe: false)])
    }

    @Test func fragmentsJoinAcrossPackets() {
        // Y=1 on the first, Z=1 Y=1 on the middle, Z=1 on the last packet (W=1: one element each).
        let frame: [UInt8] = [0x30] + av1FramePayload(key: false, size: 8)
        var depacketizer = AV1Depacketizer()
        let out = depacketizer.feed([
            TestPacket(payload: [0x50] + frame[0..<3], sequenceNumber: 65535, rtpTimestamp: 1, marker: false),
            TestPacket(payload: [0xd0] + frame[3..<6], sequenceNumber: 0, rtpTimestamp: 1, marker: false),
            TestPacket(payload: [0x90] + frame[6...], sequenceNumber: 1, rtpTimestamp: 1, marker: true),
        ])
        #expect(out == [AccessUnit(payloads: av1TemporalUnit(frameSize: 8, key: false), rtpTimestamp: 1, isKeyframe: false)])
    }

    @Test func malformedPayloadsBreakTheUnit() {
        let cases: [[UInt8]] = [
            [0x90, 0x30, 0x10],              // Z=1 with no fragment open
            [0x30, 0x02, 0x30, 0x10],        // W=3 but two elements
            [0x00, 0x05, 0x30],              // length past the end
            [0x00, 0x00],                    // zero-length element
            [0x10, 0xb0, 0x10],              // forbidden bit in the OBU header
            [0x10, 0x32, 0x05, 0x10],        // obu_size past the element
            [0x10],                          // aggregation header only
        ]
        for payload in cases {
            var depacketizer = AV1Depacketizer()
            #expect(depacketizer.push(payload: payload[...], sequenceNumber: 1, rtpTimestamp: 0, marker: true).isEmpty,
                    "\(payload)")
            #expect(depacketizer.droppedAccessUnits == 1)
        }
        // A fragment left open at the marker breaks the unit too.
        var depacketizer = AV1Depacketizer()
        #expect(depacketizer.push(payload: [0x50, 0x30, 0x10][...], sequenceNumber: 1, rtpTimestamp: 0, marker: true).isEmpty)
    }

    @Test func lostFragmentDropsUnitUntilNextSequenceStart() {
        var packetizer = AV1Packetizer()
        let units = [
            AccessUnit(payloads: av1TemporalUnit(frameSize: 3000), rtpTimestamp: 0, isKeyframe: true),
            AccessUnit(payloads: av1TemporalUnit(frameSize: 3000, key: false), rtpTimestamp: 3000, isKeyframe: false),
            AccessUnit(payloads: av1TemporalUnit(frameSize: 300, key: false), rtpTimestamp: 6000, isKeyframe: false),
            AccessUnit(payloads: av1TemporalUnit(frameSize: 2000), rtpTimestamp: 9000, isKeyframe: true),
            AccessUnit(payloads: av1TemporalUnit(frameSize: 10, key: false), rtpTimestamp: 12000, isKeyframe: false),
        ]
        var depacketizer = AV1Depacketizer()
        var packets = roundTrip([], packetizer: &packetizer, depacketizer: &depacketizer).packets
        var sequence: UInt16 = 10
        for unit in units {
            for packet in packetizer.packetize(unit, maxPayloadSize: 1200) {
                packets.append(TestPacket(payload: packet.payload, sequenceNumber: sequence,
                                          rtpTimestamp: unit.rtpTimestamp, marker: packet.marker))
                sequence &+= 1
            }
        }
        packets.remove(at: 4)  // second packet of the second unit (3 + 3 + 1 + 2 + 1 packets)
        let out = depacketizer.feed(packets)
        #expect(out == [units[0], units[3], units[4]])
        #expect(depacketizer.droppedAccessUnits == 2)
        #expect(depacketizer.droppedPackets == 3)
    }

    @Test func byteLimitAtCapAndOnePast() {
        let unit = AccessUnit(payloads: av1TemporalUnit(frameSize: 5000), rtpTimestamp: 0, isKeyframe: true)
        let total = unit.byteCount
        for (cap, delivered) in [(total, true), (total - 1, false)] {
            var packetizer = AV1Packetizer()
            var depacketizer = AV1Depacketizer(limits: DepacketizerLimits(maxAccessUnitBytes: cap))
            #expect(roundTrip([unit], packetizer: &packetizer, depacketizer: &depacketizer).delivered
                    == (delivered ? [unit] : []), "cap \(cap)")
        }
    }

    @Test func obuCountLimitAtCapAndOnePast() {
        let tiles = (0..<6).map { av1OBU(type: 4, [UInt8($0)]) }
        let unit = AccessUnit(payloads: [AV1.temporalDelimiter] + tiles, rtpTimestamp: 0, isKeyframe: false)
        for (cap, delivered) in [(6, true), (5, false)] {
            var packetizer = AV1Packetizer()
            var depacketizer = AV1Depacketizer(limits: DepacketizerLimits(maxNALUnitsPerAccessUnit: cap))
            #expect(roundTrip([unit], packetizer: &packetizer, depacketizer: &depacketizer).delivered
                    == (delivered ? [unit] : []), "cap \(cap)")
        }
    }
}

@Suite struct AV1PacketizerTests {
    @Test func removesSizesAndTemporalDelimitersAndSetsN() {
        var packetizer = AV1Packetizer()
        let unit = AccessUnit(payloads: [av1TemporalUnit(frameSize: 3).joined().map { $0 }], rtpTimestamp: 0,
                              isKeyframe: true)
        let packets = packetizer.packetize(unit, maxPayloadSize: 1200)
        // N=1 W=2; sequence header with a length, frame without; obu_has_size_field cleared.
        let expected: [UInt8] = [0x28, 0x0b, 0x08] + av1SequenceHeaderPayload + [0x30] + av1FramePayload(key: true, size: 3)
        #expect(packets.map(\.payload) == [expected])
        #expect(packets.map(\.marker) == [true])
    }

    @Test func moreThanThreeElementsUseLengthsEverywhere() {
        var packetizer = AV1Packetizer()
        let tiles = (0..<4).map { av1OBU(type: 4, [UInt8($0)]) }
        let packets = packetizer.packetize(AccessUnit(payloads: tiles, rtpTimestamp: 0, isKeyframe: false),
                                           maxPayloadSize: 1200)
        #expect(packets.map(\.payload) == [[0x00, 0x02, 0x20, 0x00, 0x02, 0x20, 0x01, 0x02, 0x20, 0x02, 0x02, 0x20, 0x03]])
    }

    @Test func fragmentsFillPacketsExactly() {
        var packetizer = AV1Packetizer()
        let frame = av1OBU(type: 6, av1FramePayload(key: false, size: 2500))
        let packets = packetizer.packetize(AccessUnit(payloads: [frame], rtpTimestamp: 0, isKeyframe: false),
                                           maxPayloadSize: 1200)
        #expect(packets.map(\.payload.count) == [1200, 1200, 104])
        #expect(packets.map { $0.payload[0] } == [0x50, 0xd0, 0x90])  // Y; Z+Y; Z; W=1
        #expect(packetizer.packetize(AccessUnit(payloads: [frame], rtpTimestamp: 0, isKeyframe: false),
                                     maxPayloadSize: 2).isEmpty)
        #expect(packetizer.packetize(AccessUnit(payloads: [[0x32, 0x09, 1]], rtpTimestamp: 0, isKeyframe: false),
                                     maxPayloadSize: 1200).isEmpty)  // obu_size past the end
        #expect(packetizer.packetize(AccessUnit(payloads: [AV1.temporalDelimiter], rtpTimestamp: 0, isKeyframe: false),
                                     maxPayloadSize: 1200).isEmpty)
    }

    @Test func roundTripsAtManySizes() {
        var packetizer = AV1Packetizer()
        var depacketizer = AV1Depacketizer()
        var units: [AccessUnit] = []
        var timestamp: UInt32 = 0
        for size in Array(1...40) + Array(stride(from: 41, through: 10_000, by: 31)) + [1180, 1186, 1187, 1188, 1189, 2380, 10_000] {
            let key = size % 4 == 0
            var payloads = av1TemporalUnit(frameSize: size, key: key)
            if size % 3 == 0 { payloads.append(av1OBU(type: 5, [0x01, 0x02], extensionHeader: 0x10)) }
            units.append(AccessUnit(payloads: payloads, rtpTimestamp: timestamp, isKeyframe: key))
            timestamp &+= 3000
        }
        let result = roundTrip(units, packetizer: &packetizer, depacketizer: &depacketizer, firstSequenceNumber: 65000)
        #expect(result.delivered == units)
        #expect(result.packets.allSatisfy { $0.payload.count <= 1200 })
        #expect(depacketizer.droppedPackets == 0)
        // Tiny payload sizes exercise one-byte fragments and W=1 middle elements.
        var small = AV1Depacketizer()
        let few = Array(units.prefix(60))
        #expect(roundTrip(few, packetizer: &packetizer, depacketizer: &small, maxPayloadSize: 3).delivered == few)
    }
}
