import Testing
@testable import RTP

@Suite struct RTPHeaderRewriteTests {
    @Test func writesHeaderIntoRawBuffer() {
        var storage = [UInt8](repeating: 0xEE, count: 14)
        let written = storage.withUnsafeMutableBytes { buffer in
            RTPPacket.writeHeader(into: buffer, payloadType: 0xE0, marker: true, sequenceNumber: 0xABCD,
                                  timestamp: 0x0102_0304, ssrc: 0xCAFE_BABE)
        }
        #expect(written == 12)
        #expect(storage == hex("80 e0 ab cd 01 02 03 04 ca fe ba be ee ee"))
    }

    @Test func refusesShortBuffer() {
        var storage = [UInt8](repeating: 0, count: 11)
        let written = storage.withUnsafeMutableBytes { buffer in
            RTPPacket.writeHeader(into: buffer, payloadType: 96, marker: false, sequenceNumber: 1, timestamp: 1, ssrc: 1)
        }
        #expect(written == 0)
        #expect(storage == [UInt8](repeating: 0, count: 11))
    }

    @Test func appendsHeader() {
        var bytes: [UInt8] = []
        RTPPacket.appendHeader(to: &bytes, payloadType: 8, marker: false, sequenceNumber: 1, timestamp: 160, ssrc: 42)
        #expect(bytes == hex("80 08 00 01 00 00 00 a0 00 00 00 2a"))
    }

    @Test func rewritesInPlaceKeepingCSRCsExtensionAndPadding() throws {
        var bytes = hex("b1 60 00 01 00 00 00 0a 11 11 11 11 22 22 22 22 be de 00 01 10 ff 00 00 de ad 00 02")
        #expect(RTPPacket.rewriteHeader(&bytes, payloadType: 102, marker: true, sequenceNumber: 7,
                                        timestamp: 3000, ssrc: 0x99))
        #expect(bytes == hex("b1 e6 00 07 00 00 0b b8 00 00 00 99 22 22 22 22 be de 00 01 10 ff 00 00 de ad 00 02"))
        var short = hex("80 60 00")
        #expect(!RTPPacket.rewriteHeader(&short, payloadType: 1, marker: false, sequenceNumber: 1, timestamp: 1, ssrc: 1))
        var wrongVersion = hex("40 60 00 01 00 00 00 01 00 00 00 01")
        #expect(!RTPPacket.rewriteHeader(&wrongVersion, payloadType: 1, marker: false, sequenceNumber: 1, timestamp: 1, ssrc: 1))
    }

    @Test func mutatingRewriteKeepsFieldsAndBytesInStep() throws {
        var packet = try RTPPacket(parsing: hex("80 60 00 01 00 00 00 0a 00 00 00 01 aa bb"))
        packet.rewriteHeader(payloadType: 111, marker: true, sequenceNumber: 500, timestamp: 48000, ssrc: 77)
        #expect(packet.bytes == hex("80 ef 01 f4 00 00 bb 80 00 00 00 4d aa bb"))
        #expect(try RTPPacket(parsing: packet.bytes) == packet)
    }
}
