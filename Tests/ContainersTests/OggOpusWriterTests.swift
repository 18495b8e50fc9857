import Testing
import TestSupport
@testable import Containers

/// Ogg Opus writing (RFC 7845, RFC 3533): pages parse back with valid CRCs, granule positions
/// count samples, packets larger than a page continue, and ffprobe reads the demo audio.
@Suite struct OggOpusWriterTests {
    static func pages(_ bytes: [UInt8]) throws -> [OggPage] {
        var pages: [OggPage] = []
        var offset = 0
        while offset < bytes.count {
            let page = try OggPage(parsing: bytes[offset...])     // checks the CRC
            pages.append(page)
            offset += page.size
        }
        return pages
    }

    @Test func headerPagesCarryOpusHeadAndOpusTags() throws {
        let writer = try OggOpusWriter(configuration: OpusCodecConfiguration(channelCount: 2, preSkip: 312), serialNumber: 0x1234)
        let pages = try Self.pages(writer.header())
        #expect(pages.count == 2)
        #expect(pages[0].isBeginningOfStream && !pages[1].isBeginningOfStream)
        #expect(pages.map(\.sequenceNumber) == [0, 1] && pages.map(\.granulePosition) == [0, 0])
        #expect(pages.allSatisfy { $0.serialNumber == 0x1234 })
        #expect(Array(pages[0].body) == Array("OpusHead".utf8) + [1, 2, 0x38, 0x01, 0x80, 0xBB, 0, 0, 0, 0, 0])
        let tags = try OpusTags(parsing: Array(pages[1].body))
        #expect(tags.vendor == "RTCBridge" && tags.comments.isEmpty)
    }

    @Test func granulePositionsCountSamplesAndEndOfStreamIsFlagged() throws {
        var writer = try OggOpusWriter(configuration: OpusCodecConfiguration(), serialNumber: 7,
                                       limits: .init(maxPageSamples: 1920))
        var bytes = writer.header()
        bytes += try writer.packet([0xFC, 1], sampleCount: 960)
        let closed = try writer.packet([0xFC, 2], sampleCount: 960)            // page full at 1920 samples
        #expect(!closed.isEmpty)
        bytes += closed
        bytes += try writer.packet([0xFC, 3], sampleCount: 960)
        bytes += writer.flush(endOfStream: true)
        #expect(writer.flush(endOfStream: true).isEmpty)
        let pages = try Self.pages(bytes)
        #expect(pages.map(\.granulePosition) == [0, 0, 1920, 2880])
        #expect(pages.map(\.sequenceNumber) == [0, 1, 2, 3])
        #expect(pages.map(\.isEndOfStream) == [false, false, false, true])
        #expect(pages[2].lacingValues == [2, 2])
        #expect(throws: ContainerError.self) { try writer.packet([0xFC], sampleCount: 960) }

        var reader = try OggOpusReader(bytes)
        #expect(try reader.readAll().map(\.data) == [[0xFC, 1], [0xFC, 2], [0xFC, 3]])
    }

    @Test func packetsLargerThanAPageContinue() throws {
        var writer = try OggOpusWriter(configuration: OpusCodecConfiguration(), serialNumber: 1)
        let big = (0..<70_000).map { UInt8(truncatingIfNeeded: $0) }       // 275 lacing values
        var bytes = writer.header()
        bytes += try writer.packet([0xFC, 9], sampleCount: 960)
        bytes += try writer.packet(big, sampleCount: 960)
        bytes += writer.flush()
        let pages = try Self.pages(bytes)
        #expect(pages.count == 5)
        #expect(pages[2].lacingValues == [2] && pages[2].granulePosition == 960)      // closed before the big one
        #expect(pages[3].lacingValues.count == 255 && pages[3].granulePosition == -1 && !pages[3].isContinuation)
        #expect(pages[4].isContinuation && pages[4].granulePosition == 1920)
        var ogg = OggReader(bytes)
        let packets = try [ogg.nextPacket(), ogg.nextPacket(), ogg.nextPacket(), ogg.nextPacket()].compactMap { $0 }
        #expect(packets.map(\.data.count) == [19, 25, 2, 70_000])
        #expect(packets.last?.data == big)
    }

    @Test func limits() throws {
        var writer = try OggOpusWriter(configuration: OpusCodecConfiguration(), serialNumber: 1,
                                       limits: .init(maxPacketBytes: 4))
        _ = try writer.packet([1, 2, 3, 4], sampleCount: 960)
        #expect(throws: ContainerError.limitExceeded(field: "Ogg Opus packet size", value: 5, limit: 4)) {
            try writer.packet([1, 2, 3, 4, 5], sampleCount: 960)
        }
        _ = try writer.packet([1], sampleCount: 5760)
        #expect(throws: ContainerError.self) { try writer.packet([1], sampleCount: 5761) }
        #expect(throws: ContainerError.self) {
            try OggOpusWriter(configuration: OpusCodecConfiguration(channelCount: 3), serialNumber: 1)
        }
    }

    /// The demo audio (500 packets of 20 ms) rewritten.
    static func demoFile() throws -> [UInt8] {
        var reader = try OggOpusReader(try Fixtures.demo("demo.opus"))
        let head = reader.head
        var writer = try OggOpusWriter(configuration: OpusCodecConfiguration(channelCount: head.channelCount,
                                                                             preSkip: UInt16(head.preSkip)),
                                       serialNumber: 42)
        var bytes = writer.header()
        for packet in try reader.readAll() { bytes += try writer.packet(packet.data, sampleCount: packet.sampleCount) }
        return bytes + writer.flush(endOfStream: true)
    }

    @Test func demoAudioRoundTrips() throws {
        var original = try OggOpusReader(try Fixtures.demo("demo.opus"))
        var copy = try OggOpusReader(try Self.demoFile())
        #expect(copy.head == original.head)
        let packets = try copy.readAll()
        #expect(packets.map(\.data) == (try original.readAll()).map(\.data))
        #expect(packets.last?.granulePosition == 480_000)
    }

    @Test(.enabled(if: FFprobe.isAvailable, "ffprobe is not installed"))
    func ffprobeReadsTheDemoAudio() throws {
        let streams = try FFprobe.streams(of: try Self.demoFile(), fileExtension: "ogg")
        #expect(streams.map(\.codec_name) == ["opus"])
        let seconds = try #require(streams.first?.seconds)
        #expect(abs(seconds - 10) <= 0.5, "duration \(seconds)")
    }
}
