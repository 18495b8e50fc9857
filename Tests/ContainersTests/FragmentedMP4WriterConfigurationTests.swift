import Codecs
@testable import Containers
import Foundation
import Testing

/// What the H.265, AV1 and VP9 sample entries are filled from: the H.265 SPS (ITU-T H.265
/// §7.3.2.2.1) and the AV1 sequence header (AV1 specification §5.5), parsed from the codec
/// fixtures and from hand-built bitstreams at the caps.
@Suite struct FragmentedMP4WriterConfigurationTests {
    static func codecFixture(_ name: String) throws -> [UInt8] {
        let url = Fixtures.testsDirectory.appendingPathComponent("../CodecsTests/Fixtures").appendingPathComponent(name)
        return [UInt8](try Data(contentsOf: url.standardizedFileURL))
    }

    /// The SPS of `tiny-h265.hevc` (x265, 64x48, Main, level 1), the second NAL unit.
    static let fixtureSPS: [UInt8] = [
        0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x1E,
        0xA0, 0x20, 0x83, 0x16, 0x59, 0x59, 0x52, 0x93, 0x0B, 0xC0, 0x5A, 0x02, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00,
        0x00, 0x03, 0x00, 0x14, 0x10,
    ]

    /// MSB-first bit writer with ue(v), for hand-built SPS NAL units.
    struct BitWriter {
        var bytes: [UInt8] = []
        var bitCount = 0

        mutating func bits(_ value: UInt64, _ count: Int) {
            for shift in stride(from: count - 1, through: 0, by: -1) {
                if bitCount % 8 == 0 { bytes.append(0) }
                if value >> UInt64(shift) & 1 == 1 { bytes[bytes.count - 1] |= 0x80 >> UInt8(bitCount % 8) }
                bitCount += 1
            }
        }

        mutating func ue(_ value: UInt64) {
            let code = value + 1
            let length = 64 - code.leadingZeroBitCount
            bits(0, length - 1)
            bits(code, length)
        }

        /// rbsp_trailing_bits, then emulation prevention (H.265 §7.4.2).
        func nalUnit(header: [UInt8]) -> [UInt8] {
            var rbsp = self
            rbsp.bits(1, 1)
            var out = header
            var zeros = 0
            for byte in rbsp.bytes {
                if zeros >= 2 && byte <= 3 { out.append(3); zeros = 0 }
                out.append(byte)
                zeros = byte == 0 ? zeros + 1 : 0
            }
            return out
        }
    }

    /// An SPS with one sub-layer, Main profile level 4, 4:2:0 8-bit, the given coded size and
    /// conformance window (left, right, top, bottom in chroma units).
    static func sps(width: UInt64, height: UInt64, window: (UInt64, UInt64, UInt64, UInt64)? = nil) -> [UInt8] {
        var w = BitWriter()
        w.bits(0, 4)                                  // sps_video_parameter_set_id
        w.bits(0, 3)                                  // sps_max_sub_layers_minus1
        w.bits(1, 1)                                  // sps_temporal_id_nesting_flag
        w.bits(0b000_00001, 8)                        // profile space, tier, profile_idc 1
        w.bits(0x6000_0000, 32)                       // compatibility flags 1, 2
        w.bits(0x9000_0000_0000, 48)                  // progressive, frame only, constraints
        w.bits(120, 8)                                // general_level_idc (4.0)
        w.ue(0)                                       // sps_seq_parameter_set_id
        w.ue(1)                                       // chroma_format_idc 4:2:0
        w.ue(width)
        w.ue(height)
        if let (left, right, top, bottom) = window {
            w.bits(1, 1)
            for offset in [left, right, top, bottom] { w.ue(offset) }
        } else {
            w.bits(0, 1)
        }
        w.ue(0)                                       // bit_depth_luma_minus8
        w.ue(0)                                       // bit_depth_chroma_minus8
        return w.nalUnit(header: [0x42, 0x01])
    }

    @Test func h265SequenceParameterSetOfTheFixture() throws {
        let sps = try H265.SequenceParameterSet(nalUnit: Self.fixtureSPS[...])
        #expect(sps.codedWidth == 64 && sps.codedHeight == 48 && sps.width == 64 && sps.height == 48)
        #expect(sps.chromaFormatIDC == 1 && sps.bitDepthLuma == 8 && sps.bitDepthChroma == 8)
        #expect(sps.maxSubLayersMinus1 == 0 && sps.temporalIDNesting)
        #expect(sps.generalProfileTierLevel == [0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 0x1E])
        // The fixture's stream holds the same SPS as its second NAL unit.
        let stream = try Self.codecFixture("tiny-h265.hevc")
        #expect(stream.indices.contains { stream[$0...].starts(with: [0, 0, 1] + Self.fixtureSPS) })
    }

    @Test func h265ConformanceWindowCropsAndSizesAreCapped() throws {
        // 1920x1088 coded, 4 chroma rows cropped at the bottom: 1080 lines shown.
        let cropped = try H265.SequenceParameterSet(nalUnit: Self.sps(width: 1920, height: 1088, window: (0, 0, 0, 4))[...])
        #expect(cropped.codedHeight == 1088 && cropped.width == 1920 && cropped.height == 1080)
        #expect(cropped.generalProfileTierLevel.last == 120)
        let atCap = try H265.SequenceParameterSet(nalUnit: Self.sps(width: 16_888, height: 16)[...])
        #expect(atCap.width == 16_888)
        #expect(throws: CodecParseError.limitExceeded(field: "pic_width_in_luma_samples", value: 16_889, limit: 16_888)) {
            try H265.SequenceParameterSet(nalUnit: Self.sps(width: 16_889, height: 16)[...])
        }
        #expect(throws: CodecParseError.invalidValue(field: "conformance_window", value: 0)) {
            try H265.SequenceParameterSet(nalUnit: Self.sps(width: 64, height: 64, window: (16, 16, 0, 0))[...])
        }
        #expect(throws: CodecParseError.self) { try H265.SequenceParameterSet(nalUnit: Self.fixtureSPS.prefix(20)) }
        #expect(throws: CodecParseError.invalidValue(field: "nal_unit_type", value: 32)) {
            try H265.SequenceParameterSet(nalUnit: [0x40, 0x01, 0x0C, 0x01][...])
        }
    }

    @Test func hevcSampleEntryTakesItsSizeAndFormatFromTheSPS() throws {
        let vps: [UInt8] = [0x40, 0x01, 0x0C, 0x01, 0xFF, 0xFF]
        let pps: [UInt8] = [0x44, 0x01, 0xC0, 0x73]
        let sps = Self.sps(width: 1920, height: 1088, window: (0, 0, 0, 4))
        let writer = try FragmentedMP4Writer(tracks: [
            RecordingTrack(id: 1, codec: .h265(videoParameterSets: [vps], sequenceParameterSets: [sps], pictureParameterSets: [pps]),
                           timescale: 90_000),
        ])
        #expect(writer.tracks[0].width == 1920 && writer.tracks[0].height == 1080)
        let trak = try #require(try MP4Box.parse(writer.header()[...])[1].all("trak").first)
        let entry = try #require(trak.find("mdia/minf/stbl/stsd")?.children.first)
        #expect(entry.type == "hvc1" && entry.uint(24, 2) == 1920 && entry.uint(26, 2) == 1080)
        let hvcC = try #require(entry.find("hvcC"))
        #expect(Array(hvcC.body.prefix(13)) == [1, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 120])
        #expect(Array(hvcC.body.dropFirst(16).prefix(3)) == [0xFD, 0xF8, 0xF8])   // 4:2:0, 8-bit, 8-bit
    }

    @Test func av1SequenceHeaderOfTheFixture() throws {
        var reader = try IVFReader(try Self.codecFixture("tiny-av1.ivf"))
        let frame = try #require(try reader.nextFrame())
        // Temporal delimiter 12 00, then the sequence header OBU (type 1, obu_size 10).
        #expect(Array(frame.data.prefix(4)) == [0x12, 0x00, 0x0A, 0x0A])
        let obu = try AV1.OBU(parsing: frame.data[2...])
        #expect(obu.type == AV1.OBUType.sequenceHeader && obu.payload.count == 10)
        let header = try AV1.SequenceHeader(payload: obu.payload)
        #expect(header.maxFrameWidth == 64 && header.maxFrameHeight == 48)
        #expect(header.profile == 0 && header.levelIndex0 == 0 && header.tier0 == 0 && !header.reducedStillPictureHeader)
        #expect(!header.highBitdepth && !header.monochrome && header.subsamplingX && header.subsamplingY)
        #expect(throws: CodecParseError.self) { try AV1.SequenceHeader(payload: obu.payload.prefix(5)) }
        let oversized = [UInt8](obu.payload) + [UInt8](repeating: 0, count: AV1.SequenceHeader.maxPayloadBytes - 9)
        #expect(throws: CodecParseError.limitExceeded(field: "sequence_header_obu size", value: 1025, limit: 1024)) {
            try AV1.SequenceHeader(payload: oversized[...])
        }
        let atCap = [UInt8](obu.payload) + [UInt8](repeating: 0, count: AV1.SequenceHeader.maxPayloadBytes - 10)
        #expect(try AV1.SequenceHeader(payload: atCap[...]) == header)
    }
}
