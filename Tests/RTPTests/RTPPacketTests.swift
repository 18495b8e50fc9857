import Testing
@testable import RTP

@Suite struct RTPPacketTests {
    // RFC 3550 §5.1 fixed header: V=2, PT=111 (Opus), M=1, seq=0x1234, ts=0xDEADBEEF, ssrc=0x01020304.
    @Test func parsesFixedHeader() throws {
        let bytes = hex("80 ef 12 34 de ad be ef 01 02 03 04 aa bb cc")
        let packet = try RTPPacket(parsing: bytes)
        #expect(packet.marker)
        #expect(packet.payloadType == 111)
        #expect(packet.sequenceNumber == 0x1234)
        #expect(packet.timestamp == 0xDEAD_BEEF)
        #expect(packet.ssrc == 0x0102_0304)
        #expect(packet.csrcs.isEmpty)
        #expect(packet.headerExtension == nil)
        #expect(packet.headerLength == 12)
        #expect(Array(packet.payload) == [0xAA, 0xBB, 0xCC])
        #expect(packet.serialized() == bytes)
    }

    @Test func parsesCSRCsPaddingAndExtension() throws {
        // CC=2, X=1, P=1; extension 0xBEDE one word; payload 2 bytes; 3 bytes padding.
        let bytes = hex("""
            b2 60 00 01 00 00 00 0a 11 11 11 11
            22 22 22 22 33 33 33 33
            be de 00 01 10 ff 00 00
            de ad 00 00 03
            """)
        let packet = try RTPPacket(parsing: bytes)
        #expect(!packet.marker)
        #expect(packet.payloadType == 96)
        #expect(packet.csrcs == [0x2222_2222, 0x3333_3333])
        #expect(packet.headerExtension == RTPHeaderExtension(profile: 0xBEDE, data: [0x10, 0xFF, 0, 0]))
        #expect(packet.headerLength == 28)
        #expect(Array(packet.payload) == [0xDE, 0xAD])
    }

    @Test func buildsAndReparses() throws {
        let ext = RTPHeaderExtension(profile: 0xBEDE, data: [0x22, 1, 2, 3])
        let built = RTPPacket(payloadType: 100, sequenceNumber: 65535, timestamp: 90000, ssrc: 7,
                              marker: true, payload: [9, 8, 7], csrcs: [5], headerExtension: ext)
        #expect(built.bytes == hex("91 e4 ff ff 00 01 5f 90 00 00 00 07 00 00 00 05 be de 00 01 22 01 02 03 09 08 07"))
        let parsed = try RTPPacket(parsing: built.bytes)
        #expect(parsed == built)
    }

    @Test(arguments: [
        ([UInt8](), RTPPacket.ParseError.tooShort),
        (hex("80 60 00 01 00 00 00 01 00 00 00"), .tooShort),
        (hex("40 60 00 01 00 00 00 01 00 00 00 01"), .badVersion),
        (hex("ff ff ff ff ff ff ff ff ff ff ff ff ff ff"), .badVersion),
        (hex("bf ff ff ff ff ff ff ff ff ff ff ff ff ff"), .badCSRCCount),
        (hex("8f 60 00 01 00 00 00 01 00 00 00 01 00 00 00 02"), .badCSRCCount),
        (hex("90 60 00 01 00 00 00 01 00 00 00 01 be de"), .badExtensionLength),
        (hex("90 60 00 01 00 00 00 01 00 00 00 01 be de ff ff 00 00 00 00"), .badExtensionLength),
        (hex("a0 60 00 01 00 00 00 01 00 00 00 01 00"), .badPadding),
        (hex("a0 60 00 01 00 00 00 01 00 00 00 01 aa 05"), .badPadding),
    ])
    func rejectsMalformed(bytes: [UInt8], error: RTPPacket.ParseError) {
        #expect(throws: error) { try RTPPacket(parsing: bytes) }
    }

    @Test func paddingMayConsumeWholePayload() throws {
        let packet = try RTPPacket(parsing: hex("a0 60 00 01 00 00 00 01 00 00 00 01 00 00 00 04"))
        #expect(packet.payload.isEmpty)
    }

    @Test func errorsDescribeThemselves() {
        #expect(RTPPacket.ParseError.badPadding.description.contains("padding"))
    }

    // RFC 5761 §4: RTCP packet types 192–223 in the second byte.
    @Test func detectsMuxedRTCP() {
        #expect(RTPPacket.looksLikeRTCP(hex("81 c9 00 07")))
        #expect(RTPPacket.looksLikeRTCP(hex("80 c8")))
        #expect(!RTPPacket.looksLikeRTCP(hex("80 60 00 01")))
        #expect(!RTPPacket.looksLikeRTCP(hex("80 e0")))
        #expect(!RTPPacket.looksLikeRTCP(hex("80")))
    }
}
