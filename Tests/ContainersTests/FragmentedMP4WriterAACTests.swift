import Codecs
import Testing
@testable import Containers

/// AAC in fragmented MP4: `mp4a` + `esds` (ISO/IEC 14496-14 §5.6, descriptors of 14496-1 §7.2.6).
@Suite struct FragmentedMP4WriterAACTests {
    static func writer(config: [UInt8] = [0x12, 0x10], channels: Int = 2, sampleRate: Int = 44_100) throws -> FragmentedMP4Writer {
        try FragmentedMP4Writer(tracks: [
            RecordingTrack(id: 1, codec: .aac(audioSpecificConfig: config, channels: channels, sampleRate: sampleRate),
                           timescale: UInt32(sampleRate)),
        ])
    }

    @Test func sampleEntryIsMP4AWithESDS() throws {
        let boxes = try MP4Box.parse(try Self.writer().header()[...])
        let trak = try #require(boxes.last?.find("trak"))
        #expect(Array(try #require(trak.find("mdia/hdlr")).body.dropFirst(8).prefix(4)) == Array("soun".utf8))
        #expect(try #require(trak.find("mdia/mdhd")).uint(12) == 44_100)   // timescale = sample rate
        let mp4a = try #require(trak.find("mdia/minf/stbl/stsd/mp4a"))
        #expect(mp4a.uint(6, 2) == 1)                        // data_reference_index
        #expect(mp4a.uint(16, 2) == 2 && mp4a.uint(18, 2) == 16)   // channels, sample size
        #expect(mp4a.uint(24) == 44_100 << 16)               // 16.16 sample rate
        let esds = try #require(mp4a.find("esds"))
        let expected: [UInt8] = [
            0, 0, 0, 0,                                       // full box version 0, flags 0
            0x03, 25, 0x00, 0x00, 0x00,                      // ES_Descriptor: ES_ID 0, flags 0
            0x04, 17, 0x40, 0x15,                            // DecoderConfig: MPEG-4 Audio, streamType 5 << 2 | 1
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                 // bufferSizeDB, maxBitrate, avgBitrate
            0x05, 2, 0x12, 0x10,                             // DecoderSpecificInfo = AudioSpecificConfig
            0x06, 1, 0x02,                                   // SLConfigDescriptor predefined 2
        ]
        #expect(Array(esds.body) == expected)
    }

    @Test func longConfigUsesMultiByteDescriptorSizes() {
        var out: [UInt8] = []
        FragmentedMP4Writer.appendDescriptor(0x05, to: &out) { $0 += [UInt8](repeating: 7, count: 200) }
        #expect(Array(out.prefix(3)) == [0x05, 0x81, 0x48])   // 200 = 1 × 128 + 72
        #expect(out.count == 203)
    }

    @Test func invalidAACConfigurationsAreRefused() {
        #expect(throws: ContainerError.self) { try Self.writer(config: [0x12]) }
        #expect(throws: ContainerError.self) { try Self.writer(config: [UInt8](repeating: 0x12, count: AAC.maxConfigBytes + 1)) }
        #expect(throws: ContainerError.self) { try Self.writer(channels: 0) }
        #expect(throws: ContainerError.self) { try Self.writer(sampleRate: 0) }
        #expect((try? Self.writer(config: [UInt8](repeating: 0x12, count: AAC.maxConfigBytes))) != nil)
        #expect(RecordingCodec.aac(audioSpecificConfig: [0x12, 0x10], channels: 2, sampleRate: 44_100).isAudio)
    }
}
