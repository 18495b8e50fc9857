import Testing
@testable import RTP

@Suite struct RTPHeaderExtensionElementsTests {
    // RFC 8285 §4.2 example layout: ID 1 with 1 byte, ID 2 with 2 bytes, one padding byte,
    // ID 3 with 4 bytes, then padding.
    @Test func parsesOneByteForm() throws {
        let ext = RTPHeaderExtension(profile: 0xBEDE, data: hex("10 aa 21 bb bb 00 33 cc cc cc cc 00"))
        let parsed = try RTPHeaderExtensionElements.parse(ext)
        #expect(parsed.elements == [
            .init(id: 1, data: [0xAA]), .init(id: 2, data: [0xBB, 0xBB]), .init(id: 3, data: [0xCC, 0xCC, 0xCC, 0xCC]),
        ])
        #expect(parsed[2] == [0xBB, 0xBB])
        #expect(parsed[9] == nil)
        #expect(RTPHeaderExtensionElements.element(id: 3, in: ext).map(Array.init) == [0xCC, 0xCC, 0xCC, 0xCC])
        #expect(RTPHeaderExtensionElements.element(id: 4, in: ext) == nil)
    }

    // RFC 8285 §4.3: profile 0x100 + appbits, then (ID, length) pairs; zero-length data allowed.
    @Test func parsesTwoByteForm() throws {
        let ext = RTPHeaderExtension(profile: 0x1003, data: hex("01 00 10 03 aa bb cc 00 ff 01 dd 00 00 00"))
        let parsed = try RTPHeaderExtensionElements.parse(ext)
        #expect(parsed.elements == [
            .init(id: 1, data: []), .init(id: 16, data: [0xAA, 0xBB, 0xCC]), .init(id: 255, data: [0xDD]),
        ])
        #expect(RTPHeaderExtensionElements.element(id: 16, in: ext).map(Array.init) == [0xAA, 0xBB, 0xCC])
    }

    @Test func oneByteIDFifteenStopsParsing() throws {
        let ext = RTPHeaderExtension(profile: 0xBEDE, data: hex("10 aa f3 11 22 33 44 20 55"))
        #expect(try RTPHeaderExtensionElements.parse(ext).elements == [.init(id: 1, data: [0xAA])])
    }

    @Test func serializesOneByteWhenEverythingFits() {
        let elements = RTPHeaderExtensionElements(elements: [.init(id: 3, data: [0x01, 0x02, 0x03]), .init(id: 5, data: [0x7F])])
        // abs-send-time-like element + audio level; padded to 8 bytes.
        #expect(elements.serialized() == RTPHeaderExtension(profile: 0xBEDE, data: hex("32 01 02 03 50 7f 00 00")))
    }

    @Test func serializesTwoByteWhenNeeded() throws {
        let elements = RTPHeaderExtensionElements(elements: [.init(id: 20, data: [1]), .init(id: 2, data: [])])
        let ext = elements.serialized()
        #expect(ext == RTPHeaderExtension(profile: 0x1000, data: hex("14 01 01 02 00 00 00 00")))
        #expect(try RTPHeaderExtensionElements.parse(ext) == elements)
        let forced = RTPHeaderExtensionElements(elements: [.init(id: 1, data: [9])]).serialized(twoByte: true, appBits: 0x5)
        #expect(forced == RTPHeaderExtension(profile: 0x1005, data: hex("01 01 09 00")))
    }

    @Test func roundTripsThroughRTPPacket() throws {
        let elements = RTPHeaderExtensionElements(elements: [.init(id: 1, data: [0x12, 0x34])])
        let packet = RTPPacket(payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, marker: false,
                               payload: [0xFF], headerExtension: elements.serialized())
        let reparsed = try RTPPacket(parsing: packet.bytes)
        let ext = try #require(reparsed.headerExtension)
        #expect(try RTPHeaderExtensionElements.parse(ext) == elements)
    }

    @Test func rejectsHostileBlocks() {
        #expect(throws: RTPHeaderExtensionElements.ParseError.unsupportedProfile(0xABCD)) {
            try RTPHeaderExtensionElements.parse(RTPHeaderExtension(profile: 0xABCD, data: []))
        }
        // One-byte element claims 16 bytes but 2 remain.
        #expect(throws: RTPHeaderExtensionElements.ParseError.truncatedElement(offset: 0)) {
            try RTPHeaderExtensionElements.parse(RTPHeaderExtension(profile: 0xBEDE, data: hex("1f aa bb")))
        }
        // Two-byte element header cut after the ID.
        #expect(throws: RTPHeaderExtensionElements.ParseError.truncatedElement(offset: 0)) {
            try RTPHeaderExtensionElements.parse(RTPHeaderExtension(profile: 0x1000, data: hex("07")))
        }
        // Two-byte 0xFF garbage: length 255 past the end.
        #expect(throws: RTPHeaderExtensionElements.ParseError.truncatedElement(offset: 0)) {
            try RTPHeaderExtensionElements.parse(RTPHeaderExtension(profile: 0x1000, data: [UInt8](repeating: 0xFF, count: 8)))
        }
        #expect(RTPHeaderExtensionElements.element(id: 1, in: RTPHeaderExtension(profile: 0xBEDE, data: hex("1f aa"))) == nil)
    }

    @Test func capsElementCountAtLimitAndOnePast() throws {
        let atCap = RTPHeaderExtension(profile: 0xBEDE, data: [UInt8](repeating: 0x10, count: 8) + [UInt8](repeating: 0x10, count: 0))
        // 4 elements of ID 1 with 1 byte each ("10 10" pairs).
        #expect(try RTPHeaderExtensionElements.parse(atCap, maxElements: 4).elements.count == 4)
        #expect(throws: RTPHeaderExtensionElements.ParseError.tooManyElements(cap: 3)) {
            try RTPHeaderExtensionElements.parse(atCap, maxElements: 3)
        }
    }
}
