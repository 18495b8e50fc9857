import Codecs
import Foundation
import Testing
import TestSupport
@testable import Containers

/// Fragmented MP4 (ISO/IEC 14496-12 §8.8): the box tree is parsed back byte by byte, and files
/// built from the demo clip are read by ffprobe.
@Suite struct FragmentedMP4WriterTests {
    // The demo clip's SPS (Baseline, 640x360) and PPS, as AnnexBReader yields them.
    static func demoParameterSets() throws -> (sps: [UInt8], pps: [UInt8]) {
        var reader = AnnexBReader(try Fixtures.demo("demo.h264"))
        let first = try #require(try reader.nextAccessUnit())
        let sps = try #require(first.payloads.first { H264.nalType($0[0]) == H264.NALType.sps })
        let pps = try #require(first.payloads.first { H264.nalType($0[0]) == H264.NALType.pps })
        return (sps, pps)
    }

    static func twoTrackWriter() throws -> FragmentedMP4Writer {
        let (sps, pps) = try demoParameterSets()
        return try FragmentedMP4Writer(tracks: [
            RecordingTrack(id: 1, codec: .h264(sequenceParameterSets: [sps], pictureParameterSets: [pps]), timescale: 90_000),
            RecordingTrack(id: 2, codec: .opus(OpusCodecConfiguration(channelCount: 2, preSkip: 312)), timescale: 48_000),
        ])
    }

    @Test func headerIsFtypAndMoovWithOneTrakPerTrack() throws {
        let writer = try Self.twoTrackWriter()
        let (sps, pps) = try Self.demoParameterSets()
        let boxes = try MP4Box.parse(writer.header()[...])
        #expect(boxes.map(\.type) == ["ftyp", "moov"])
        #expect(Array(boxes[0].body) == Array("iso6".utf8) + [0, 0, 0, 0] + Array("iso6mp41".utf8))
        let moov = boxes[1]
        #expect(moov.children.map(\.type) == ["mvhd", "trak", "trak", "mvex"])
        let mvhd = try #require(moov.find("mvhd"))
        #expect(mvhd.uint(12) == 1000)                     // timescale
        #expect(mvhd.uint(96) == 3)                        // next_track_ID
        let traks = moov.all("trak")
        #expect(traks.map { $0.find("tkhd")?.uint(12) } == [1, 2])
        #expect(traks[0].find("tkhd")?.uint(76) == 640 << 16)
        #expect(traks[0].find("tkhd")?.uint(80) == 360 << 16)
        #expect(traks.map { $0.find("mdia/mdhd")?.uint(12) } == [90_000, 48_000])
        #expect(traks.map { $0.find("mdia/hdlr").map { String(decoding: $0.body.dropFirst(8).prefix(4), as: UTF8.self) } }
                == ["vide", "soun"])
        #expect(traks[0].find("mdia/minf/vmhd") != nil && traks[1].find("mdia/minf/smhd") != nil)
        let stbl = try #require(traks[0].find("mdia/minf/stbl"))
        #expect(stbl.children.map(\.type) == ["stsd", "stts", "stsc", "stsz", "stco"])
        #expect(stbl.find("stts")?.uint(4) == 0 && stbl.find("stsz")?.uint(8) == 0)

        let avc1 = try #require(stbl.find("stsd/avc1"))
        #expect(avc1.uint(24, 2) == 640 && avc1.uint(26, 2) == 360)
        let avcC = try #require(avc1.find("avcC"))
        let expected: [UInt8] = [1, sps[1], sps[2], sps[3], 0xFF, 0xE1, 0, UInt8(sps.count)] + sps + [1, 0, UInt8(pps.count)] + pps
        #expect(Array(avcC.body) == expected)

        let opus = try #require(traks[1].find("mdia/minf/stbl/stsd/Opus"))
        #expect(opus.uint(16, 2) == 2 && opus.uint(24) == 48_000 << 16)
        // dOps (Opus-ISOBMFF §4.3.2): version 0, 2 channels, pre-skip 312, 48000 Hz, gain 0, family 0.
        #expect(Array(try #require(opus.find("dOps")).body) == [0, 2, 0x01, 0x38, 0, 0, 0xBB, 0x80, 0, 0, 0])

        let trex = try #require(moov.find("mvex")).all("trex")
        #expect(trex.map { $0.uint(4) } == [1, 2])
        #expect(trex.map { $0.uint(8) } == [1, 1])
    }

    @Test func fragmentHasMoofWithTrunPointingIntoMdat() throws {
        var writer = try Self.twoTrackWriter()
        let video = [FragmentedMP4Writer.Sample(data: [0, 0, 0, 2, 0x65, 0x88], duration: 3000, isSync: true),
                     FragmentedMP4Writer.Sample(data: [0, 0, 0, 1, 0x41], duration: 3000, isSync: false)]
        let audio = [FragmentedMP4Writer.Sample(data: [0xFC, 1, 2], duration: 960, isSync: true)]
        let bytes = try writer.fragment(samples: [2: audio, 1: video], sequenceNumber: 7)
        let boxes = try MP4Box.parse(bytes[...])
        #expect(boxes.map(\.type) == ["moof", "mdat"])
        let moof = boxes[0]
        #expect(moof.find("mfhd")?.uint(4) == 7)
        let trafs = moof.all("traf")
        #expect(trafs.count == 2)
        let tfhd = try #require(trafs[0].find("tfhd"))
        #expect(tfhd.uint(0) == 0x0002_0000 && tfhd.uint(4) == 1)     // default-base-is-moof, track 1
        #expect(trafs[0].find("tfdt")?.uint(0) == 0x0100_0000)         // version 1
        #expect(trafs[0].find("tfdt")?.uint(4, 8) == 0)
        let trun = try #require(trafs[0].find("trun"))
        #expect(trun.uint(0) == 0x0000_0701 && trun.uint(4) == 2)
        #expect([trun.uint(12), trun.uint(16), trun.uint(20)] == [3000, 6, 0x0200_0000])
        #expect([trun.uint(24), trun.uint(28), trun.uint(32)] == [3000, 5, 0x0101_0000])
        // The data offsets (from the moof start) land on each track's first sample in the mdat.
        let videoOffset = Int(trun.uint(8))
        let audioOffset = Int(try #require(trafs[1].find("trun")).uint(8))
        #expect(Array(bytes[videoOffset..<(videoOffset + 6)]) == video[0].data)
        #expect(Array(bytes[audioOffset..<(audioOffset + 3)]) == audio[0].data)
        #expect(boxes[1].body.count == 14)

        // The next fragment's decode times continue per track.
        let next = try MP4Box.parse(try writer.fragment(samples: [1: video, 2: audio], sequenceNumber: 8)[...])
        #expect(next[0].all("traf").map { $0.find("tfdt")?.uint(4, 8) } == [6000, 960])
        #expect(try writer.fragment(samples: [:], sequenceNumber: 9).isEmpty)
    }

    @Test func otherCodecsGetTheirSampleEntries() throws {
        // H.265 SPS: header 42 01, then vps id/max_sub_layers/nesting 01, profile_tier_level.
        let vps: [UInt8] = [0x40, 0x01, 0x0C, 0x01]
        let sps: [UInt8] = [0x42, 0x01, 0x01, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 0x5D, 0xA0]
        let pps: [UInt8] = [0x44, 0x01, 0xC1, 0x72]
        let av1 = AV1CodecConfiguration(configOBUs: [0x0A, 0x0B, 0, 0, 0, 0x24, 0xC4, 0xFF, 0xDF, 0x00, 0x68, 0x02])
        let writer = try FragmentedMP4Writer(tracks: [
            RecordingTrack(id: 1, codec: .h265(videoParameterSets: [vps], sequenceParameterSets: [sps], pictureParameterSets: [pps]),
                           timescale: 90_000, width: 1280, height: 720),
            RecordingTrack(id: 2, codec: .av1(av1), timescale: 90_000, width: 320, height: 240),
            RecordingTrack(id: 3, codec: .vp9(VPCodecConfiguration()), timescale: 90_000, width: 320, height: 240),
            RecordingTrack(id: 4, codec: .vp8(VPCodecConfiguration(level: 10)), timescale: 90_000, width: 64, height: 48),
        ])
        let traks = try MP4Box.parse(writer.header()[...])[1].all("trak")
        let entries = traks.compactMap { $0.find("mdia/minf/stbl/stsd")?.children.first }
        #expect(entries.map(\.type) == ["hvc1", "av01", "vp09", "vp08"])
        let hvcC = try #require(entries[0].find("hvcC"))
        #expect(Array(hvcC.body.prefix(23)) == [1, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 0x5D,
                                                  0xF0, 0, 0xFC, 0xFD, 0xF8, 0xF8, 0, 0, 0x0F, 3])
        #expect(Array(hvcC.body[(hvcC.body.startIndex + 23)...].prefix(8)) == [0xA0, 0, 1, 0, 4, 0x40, 0x01, 0x0C])
        #expect(Array(try #require(entries[1].find("av1C")).body) == [0x81, 0x08, 0x0C, 0] + av1.configOBUs)
        let vpcC = try #require(entries[2].find("vpcC"))
        #expect(Array(vpcC.body) == [1, 0, 0, 0, 0, 31, 0x82, 2, 2, 2, 0, 0])
        #expect(Array(try #require(entries[3].find("vpcC")).body.dropFirst(4).prefix(2)) == [0, 10])
    }

    @Test func rejectsBadTracks() throws {
        let (sps, pps) = try Self.demoParameterSets()
        let h264 = RecordingCodec.h264(sequenceParameterSets: [sps], pictureParameterSets: [pps])
        #expect(throws: ContainerError.self) { try FragmentedMP4Writer(tracks: []) }
        #expect(throws: ContainerError.self) {
            try FragmentedMP4Writer(tracks: [RecordingTrack(id: 1, codec: h264, timescale: 90_000),
                                             RecordingTrack(id: 1, codec: h264, timescale: 90_000)])
        }
        #expect(throws: ContainerError.self) { try FragmentedMP4Writer(tracks: [RecordingTrack(id: 0, codec: h264, timescale: 90_000)]) }
        #expect(throws: ContainerError.self) {
            try FragmentedMP4Writer(tracks: [RecordingTrack(id: 1, codec: .h264(sequenceParameterSets: [], pictureParameterSets: [pps]),
                                                            timescale: 90_000)])
        }
        #expect(throws: ContainerError.self) {
            try FragmentedMP4Writer(tracks: [RecordingTrack(id: 1, codec: .vp9(VPCodecConfiguration()), timescale: 90_000)])
        }
        var writer = try FragmentedMP4Writer(tracks: [RecordingTrack(id: 1, codec: h264, timescale: 90_000)])
        #expect(throws: ContainerError.invalid("MP4 track ID 5 not in header")) {
            try writer.fragment(samples: [5: [.init(data: [1], duration: 1, isSync: true)]], sequenceNumber: 1)
        }
    }

    @Test func limitsHoldAtTheCapAndThrowOnePast() throws {
        let (sps, pps) = try Self.demoParameterSets()
        let h264 = RecordingCodec.h264(sequenceParameterSets: [sps], pictureParameterSets: [pps])
        let limits = FragmentedMP4Writer.Limits(maxTracks: 2, maxSamplesPerTrack: 4, maxSampleBytes: 10, maxFragmentBytes: 30)
        let track = { (id: UInt32) in RecordingTrack(id: id, codec: h264, timescale: 90_000) }
        _ = try FragmentedMP4Writer(tracks: [track(1), track(2)], limits: limits)
        #expect(throws: ContainerError.limitExceeded(field: "MP4 track count", value: 3, limit: 2)) {
            try FragmentedMP4Writer(tracks: [track(1), track(2), track(3)], limits: limits)
        }
        var writer = try FragmentedMP4Writer(tracks: [track(1), track(2)], limits: limits)
        let sample = FragmentedMP4Writer.Sample(data: [UInt8](repeating: 1, count: 10), duration: 1, isSync: true)
        _ = try writer.fragment(samples: [1: [sample]], sequenceNumber: 1)
        #expect(throws: ContainerError.limitExceeded(field: "MP4 sample size", value: 11, limit: 10)) {
            try writer.fragment(samples: [1: [.init(data: sample.data + [1], duration: 1, isSync: true)]], sequenceNumber: 2)
        }
        let small = FragmentedMP4Writer.Sample(data: [1], duration: 1, isSync: true)
        _ = try writer.fragment(samples: [1: Array(repeating: small, count: 4)], sequenceNumber: 3)
        #expect(throws: ContainerError.limitExceeded(field: "MP4 samples of track 1 in fragment", value: 5, limit: 4)) {
            try writer.fragment(samples: [1: Array(repeating: small, count: 5)], sequenceNumber: 4)
        }
        _ = try writer.fragment(samples: [1: [sample, sample, sample]], sequenceNumber: 5)
        #expect(throws: ContainerError.limitExceeded(field: "MP4 fragment size", value: 31, limit: 30)) {
            try writer.fragment(samples: [1: [sample, sample, sample, small]], sequenceNumber: 6)
        }
    }

    /// The demo clip (10 s of 640x360 H.264 + Opus) as fMP4 with one fragment per second.
    static func demoFile() throws -> [UInt8] {
        var video = AnnexBReader(try Fixtures.demo("demo.h264"))
        var audio = try OggOpusReader(try Fixtures.demo("demo.opus"))
        let units = try video.readAll()
        let packets = try audio.readAll()
        var writer = try twoTrackWriter()
        var file = writer.header()
        for second in 0..<10 {
            let videoSamples = units[(second * 30)..<(second * 30 + 30)].map {
                FragmentedMP4Writer.Sample(data: FragmentedMP4Writer.Sample.lengthPrefixed($0.payloads), duration: 3000,
                                           isSync: $0.isKeyframe)
            }
            let audioSamples = packets[(second * 50)..<(second * 50 + 50)].map {
                FragmentedMP4Writer.Sample(data: $0.data, duration: UInt32($0.sampleCount), isSync: true)
            }
            file += try writer.fragment(samples: [1: videoSamples, 2: audioSamples], sequenceNumber: UInt32(second + 1))
        }
        return file
    }

    @Test(.enabled(if: FFprobe.isAvailable, "ffprobe is not installed"))
    func ffprobeReadsTheDemoClipAsH264AndOpus() throws {
        let streams = try FFprobe.streams(of: try Self.demoFile(), fileExtension: "mp4")
        #expect(streams.map(\.codec_name) == ["h264", "opus"])
        #expect(streams[0].width == 640 && streams[0].height == 360)
        for stream in streams {
            let seconds = try #require(stream.seconds)
            #expect(abs(seconds - 10) <= 1, "duration \(seconds)")
        }
    }
}
