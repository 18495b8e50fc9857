import Testing
@testable import Containers

@Suite struct OggReaderTests {
    @Test func crcMatchesPolynomialDefinition() {
        // RFC 3533 §6: poly 0x04C11DB7, init 0, no reflection, no final XOR. That is CRC-32/POSIX
        // (check value 0x765E7680) without its final inversion: ~0x765E7680 = 0x89A1897F.
        #expect(OggCRC.checksum(Array("123456789".utf8)) == 0x89a1_897f)
        #expect(OggCRC.checksum([UInt8]()) == 0)
        #expect(OggCRC.table[1] == 0x04c1_1db7)
        #expect(OggCRC.table[255] == 0xb1f7_40b4)
    }

    /// Three pages: A (10 bytes) on the BOS page; B (610 bytes) split 510 + 100 across pages 1
    /// and 2; C (5 bytes) ends page 2, which is the EOS page with granule 1234.
    func threePageStream() -> (pages: [[UInt8]], a: [UInt8], b: [UInt8], c: [UInt8]) {
        let a = Array(repeating: UInt8(0xa0), count: 10)
        let b = (0..<610).map { UInt8(truncatingIfNeeded: $0) }
        let c: [UInt8] = [1, 2, 3, 4, 5]
        let pages = [
            OggPage.serialize(headerType: 0x02, granulePosition: 0, serialNumber: 77, sequenceNumber: 0,
                              lacingValues: [10], body: a),
            OggPage.serialize(headerType: 0x00, granulePosition: -1, serialNumber: 77, sequenceNumber: 1,
                              lacingValues: [255, 255], body: Array(b.prefix(510))),
            OggPage.serialize(headerType: 0x05, granulePosition: 1234, serialNumber: 77, sequenceNumber: 2,
                              lacingValues: [100, 5], body: Array(b.suffix(100)) + c),
        ]
        return (pages, a, b, c)
    }

    @Test func reassemblesPacketsAcrossPages() throws {
        let (pages, a, b, c) = threePageStream()
        var reader = OggReader(pages.flatMap { $0 })
        let first = try reader.nextPacket()
        #expect(first == OggPacket(data: a, serialNumber: 77, granulePosition: 0, isBeginningOfStream: true,
                                   isEndOfStream: false))
        let second = try reader.nextPacket()
        #expect(second?.data == b)
        #expect(second?.granulePosition == nil)
        let third = try reader.nextPacket()
        #expect(third == OggPacket(data: c, serialNumber: 77, granulePosition: 1234, isBeginningOfStream: false,
                                   isEndOfStream: true))
        #expect(try reader.nextPacket() == nil)
        #expect(reader.droppedPackets == 0)
    }

    @Test func missingPageDropsTheSplitPacket() throws {
        let (pages, a, _, c) = threePageStream()
        var reader = OggReader(pages[0] + pages[2])
        #expect(try reader.nextPacket()?.data == a)
        #expect(try reader.nextPacket()?.data == c)
        #expect(try reader.nextPacket() == nil)
        #expect(reader.droppedPackets == 1)
    }

    @Test func streamEndingMidPacketCountsIt() throws {
        let (pages, a, _, _) = threePageStream()
        var reader = OggReader(pages[0] + pages[1])
        #expect(try reader.nextPacket()?.data == a)
        #expect(try reader.nextPacket() == nil)
        #expect(reader.droppedPackets == 1)
    }

    @Test func otherLogicalStreamsAreSkipped() throws {
        let (pages, a, b, c) = threePageStream()
        let other = OggPage.serialize(headerType: 0x02, granulePosition: 0, serialNumber: 5, sequenceNumber: 0,
                                      lacingValues: [3], body: [9, 9, 9])
        var reader = OggReader(pages[0] + other + pages[1] + pages[2])
        var packets: [[UInt8]] = []
        while let packet = try reader.nextPacket() { packets.append(packet.data) }
        #expect(packets == [a, b, c])
    }

    @Test func corruptPageFailsCRC() {
        var bytes = threePageStream().pages.flatMap { $0 }
        bytes[30] ^= 0x01   // inside page 0's body
        var reader = OggReader(bytes)
        #expect(throws: ContainerError.self) {
            while try reader.nextPacket() != nil {}
        }
        do {
            _ = try OggPage(parsing: bytes[...])
            Issue.record("expected a CRC mismatch")
        } catch {
            guard case .checksumMismatch(let sequence, _, _) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(sequence == 0)
        }
    }

    @Test func truncatedPagesThrow() {
        let bytes = threePageStream().pages.flatMap { $0 }
        for length in [1, 4, 26, 27, 28, 40, bytes.count - 1] {
            var reader = OggReader(Array(bytes.prefix(length)))
            #expect(throws: ContainerError.self, "length \(length)") {
                while try reader.nextPacket() != nil {}
            }
        }
    }

    @Test func badCapturePatternAndVersion() {
        var bytes = threePageStream().pages[0]
        bytes[0] = UInt8(ascii: "X")
        #expect(throws: ContainerError.badSignature("Ogg capture pattern at offset 0")) {
            try OggPage(parsing: bytes[...])
        }
        var versioned = threePageStream().pages[0]
        versioned[4] = 1
        #expect(throws: ContainerError.invalid("Ogg stream structure version 1 at offset 0")) {
            try OggPage(parsing: versioned[...])
        }
    }

    @Test func packetSizeCapAtLimitAndOnePast() throws {
        let bytes = threePageStream().pages.flatMap { $0 }
        var atCap = OggReader(bytes, limits: OggReader.Limits(maxPacketBytes: 610))
        var count = 0
        while try atCap.nextPacket() != nil { count += 1 }
        #expect(count == 3)
        var over = OggReader(bytes, limits: OggReader.Limits(maxPacketBytes: 609))
        _ = try over.nextPacket()
        #expect(throws: ContainerError.limitExceeded(field: "Ogg packet size", value: 610, limit: 609)) {
            try over.nextPacket()
        }
    }

    @Test func lacingForPacketSizes() {
        #expect(OggPage.lacing(forPacketSize: 0) == [0])
        #expect(OggPage.lacing(forPacketSize: 255) == [255, 0])
        #expect(OggPage.lacing(forPacketSize: 300) == [255, 45])
    }
}
