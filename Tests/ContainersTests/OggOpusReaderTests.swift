import Testing
import Codecs
@testable import Containers

@Suite struct OggOpusReaderTests {
    @Test func tinyFixture() throws {
        // ffmpeg libopus, 0.2 s mono sine, 20 ms frames (Fixtures/tiny.opus).
        var reader = try OggOpusReader(try Fixtures.fixture("tiny.opus"))
        #expect(reader.head.version == 1)
        #expect(reader.head.channelCount == 1)
        #expect(reader.head.preSkip == 312)
        #expect(reader.head.inputSampleRate == 48_000)
        #expect(reader.head.mappingFamily == 0)
        #expect(reader.tags.vendor == "ffmpeg")   // -fflags +bitexact
        let packets = try reader.readAll()
        #expect(packets.count == 11)
        #expect(packets.allSatisfy { $0.sampleCount == 960 })
        #expect(packets.map(\.startSample) == (0..<11).map { Int64($0 * 960) })
        #expect(packets.last?.granulePosition == 9912)   // 0.2 s + pre-skip; the tail is trimmed
        #expect(packets.dropLast().allSatisfy { $0.granulePosition == nil })
        reader.rewind()
        #expect(try reader.nextPacket() == packets.first)
    }

    func head(_ fields: [UInt8]) -> [UInt8] { Array("OpusHead".utf8) + fields }

    @Test func opusHeadFields() throws {
        // RFC 7845 §5.1 layout: version 1, 2 channels, pre-skip 3840, 44100 Hz, gain -256, family 0.
        let parsed = try OpusHead(parsing: head([1, 2, 0x00, 0x0f, 0x44, 0xac, 0x00, 0x00, 0x00, 0xff, 0]))
        #expect(parsed.channelCount == 2)
        #expect(parsed.preSkip == 3840)
        #expect(parsed.inputSampleRate == 44_100)
        #expect(parsed.outputGain == -256)
        #expect(parsed.coupledStreamCount == 1)
        // Family 1, 3 channels, 2 streams, 1 coupled, mapping 0 2 1.
        let surround = try OpusHead(parsing: head([1, 3, 0, 0, 0x80, 0xbb, 0, 0, 0, 0, 1, 2, 1, 0, 2, 1]))
        #expect(surround.streamCount == 2)
        #expect(surround.channelMapping == [0, 2, 1])
    }

    @Test func opusHeadErrors() {
        let valid: [UInt8] = [1, 2, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0]
        #expect(throws: ContainerError.badSignature("OpusHead magic")) {
            try OpusHead(parsing: Array("OpusHeaD".utf8) + valid)
        }
        #expect(throws: ContainerError.unsupported("Ogg Opus major version 1")) {
            try OpusHead(parsing: head([0x10] + valid.dropFirst()))
        }
        #expect(throws: ContainerError.invalid("OpusHead channel count 0")) {
            try OpusHead(parsing: head([1, 0] + valid.dropFirst(2)))
        }
        #expect(throws: ContainerError.invalid("OpusHead: 3 channels with mapping family 0")) {
            try OpusHead(parsing: head([1, 3] + valid.dropFirst(2)))
        }
        #expect(throws: ContainerError.invalid("OpusHead channel mapping index")) {
            try OpusHead(parsing: head([1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 5]))
        }
        for length in 0..<valid.count {
            #expect(throws: ContainerError.self) { try OpusHead(parsing: head(Array(valid.prefix(length)))) }
        }
    }

    func tags(vendor: String, comments: [String], count: UInt32? = nil) -> [UInt8] {
        func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> UInt32($0 * 8)) } }
        var out = Array("OpusTags".utf8) + le32(UInt32(vendor.utf8.count)) + Array(vendor.utf8)
        out += le32(count ?? UInt32(comments.count))
        for comment in comments { out += le32(UInt32(comment.utf8.count)) + Array(comment.utf8) }
        return out
    }

    @Test func opusTags() throws {
        let parsed = try OpusTags(parsing: tags(vendor: "libopus 1.3", comments: ["TITLE=demo", "ARTIST=x"]))
        #expect(parsed.vendor == "libopus 1.3")
        #expect(parsed.comments == ["TITLE=demo", "ARTIST=x"])
        #expect(throws: ContainerError.truncated("OpusTags comment length")) {
            try OpusTags(parsing: tags(vendor: "v", comments: ["A=b"], count: 2))
        }
        #expect(throws: ContainerError.truncated("OpusTags vendor string of 4294967295 bytes")) {
            try OpusTags(parsing: Array("OpusTags".utf8) + [0xff, 0xff, 0xff, 0xff])
        }
        #expect(throws: ContainerError.limitExceeded(field: "OpusTags comment count", value: 4097, limit: 4096)) {
            try OpusTags(parsing: tags(vendor: "v", comments: [], count: 4097))
        }
    }

    @Test func rejectsFilesWithoutHeaders() throws {
        let notOpus = OggPage.serialize(headerType: 2, granulePosition: 0, serialNumber: 1, sequenceNumber: 0,
                                        lacingValues: [8], body: Array("NotOpus!".utf8))
        #expect(throws: ContainerError.badSignature("OpusHead magic")) { try OggOpusReader(notOpus) }
        #expect(throws: ContainerError.truncated("Ogg Opus file without OpusHead")) { try OggOpusReader([]) }
        let file = try Fixtures.fixture("tiny.opus")
        for length in [10, 60, 100] {
            #expect(throws: ContainerError.self) { try OggOpusReader(Array(file.prefix(length))) }
        }
    }

    @Test func invalidOpusPacketThrows() throws {
        let headPacket = head([1, 1, 0, 0, 0x80, 0xbb, 0, 0, 0, 0, 0])
        let tagsPacket = tags(vendor: "t", comments: [])
        var bytes = OggPage.serialize(headerType: 2, granulePosition: 0, serialNumber: 9, sequenceNumber: 0,
                                      lacingValues: [UInt8(headPacket.count)], body: headPacket)
        bytes += OggPage.serialize(headerType: 0, granulePosition: 0, serialNumber: 9, sequenceNumber: 1,
                                   lacingValues: [UInt8(tagsPacket.count)], body: tagsPacket)
        // An empty packet (skipped), one valid 20 ms packet, then code 3 with frame count 0.
        bytes += OggPage.serialize(headerType: 4, granulePosition: 960, serialNumber: 9, sequenceNumber: 2,
                                   lacingValues: [0, 2, 2], body: [0xfc, 0x00, 0xff, 0x00])
        var reader = try OggOpusReader(bytes)
        #expect(try reader.nextPacket()?.sampleCount == 960)
        #expect(reader.skippedEmptyPackets == 1)
        #expect(throws: ContainerError.invalid("Opus packet at sample 960: invalid Opus frame count: 0")) {
            try reader.nextPacket()
        }
    }
}
