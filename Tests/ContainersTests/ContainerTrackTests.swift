import Codecs
@testable import Containers
import Testing

/// `ContainerTrack`: which container carries which codec, the configuration learnt from the
/// fmtp and the access units, the MP4 sample entry, and the bytes of each sample.
@Suite struct ContainerTrackTests {
    static let sps: [UInt8] = [0x67, 0x42, 0xC0, 0x1E, 0x8C, 0x8D, 0x40, 0x50]
    static let pps: [UInt8] = [0x68, 0xCE, 0x3C, 0x80]
    /// A VP8 keyframe header (RFC 6386 §9.1) of a 320x240 picture.
    static let vp8Keyframe: [UInt8] = [0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x40, 0x01, 0xF0, 0x00, 0xAA]

    static func codec(_ format: CodecDescriptor.Format) throws -> CodecDescriptor {
        try #require(CodecRegistry.descriptor(for: format))
    }

    static func track(_ format: CodecDescriptor.Format, in container: ContainerFormat = .mp4,
                      fmtp: [String: String] = [:], channels: Int? = nil) throws -> ContainerTrack {
        let codec = try codec(format)
        return try ContainerTrack(codec: codec, container: container, clockRate: codec.clockRate, channels: channels,
                                  fmtp: fmtp)
    }

    static func unit(_ payloads: [[UInt8]], keyframe: Bool = true) -> AccessUnit {
        AccessUnit(payloads: payloads, rtpTimestamp: 0, isKeyframe: keyframe)
    }

    @Test func eachContainerCarriesItsCodecs() {
        let carried = ContainerFormat.allCases.map { container in
            CodecDescriptor.Format.allCases.filter(container.carries)
        }
        #expect(carried[0] == [.h264, .h265, .vp8, .vp9, .av1, .opus, .aac])
        #expect(carried[1] == [.vp8, .vp9, .av1])
        #expect(carried[2] == [.opus])
        #expect(ContainerFormat.allCases.map(\.fileExtension) == ["mp4", "ivf", "ogg"])
        #expect([.vp8, .vp9, .av1, .h264].map(ContainerFormat.ivfFourCC) == ["VP80", "VP90", "AV01", nil])
    }

    @Test func aCodecTheContainerDoesNotCarryOrAACWithoutConfigIsRefused() throws {
        #expect(throws: ContainerError.unsupported("H264 in ogg")) { try Self.track(.h264, in: .ogg) }
        #expect(throws: ContainerError.unsupported("PCMU in mp4")) { try Self.track(.pcmu) }
        #expect(throws: ContainerError.missingConfiguration("config= AudioSpecificConfig")) {
            try Self.track(.aac, fmtp: ["config": "zz"])
        }
        #expect("\(ContainerError.missingConfiguration("config= AudioSpecificConfig"))" == "no valid config= AudioSpecificConfig")
        let aac = try Self.track(.aac, fmtp: ["CONFIG": "1190"], channels: nil)   // 48 kHz stereo AAC-LC
        #expect(aac.recordingTrack(id: 2) == RecordingTrack(
            id: 2, codec: .aac(audioSpecificConfig: [0x11, 0x90], channels: 2, sampleRate: 48_000), timescale: 48_000))
    }

    @Test func defaultDurationsAndOpusFacts() throws {
        #expect(try Self.track(.aac, fmtp: ["config": "1190"]).defaultSampleDuration == 1024)
        let opus = try Self.track(.opus, in: .ogg, channels: 1)
        #expect(opus.defaultSampleDuration == 960)                          // 20 ms
        #expect(try Self.track(.vp8, in: .ivf).defaultSampleDuration == 3000)  // 1/30 s
        #expect(opus.opusConfiguration == OpusCodecConfiguration(channelCount: 1))
        #expect(opus.sampleCount([0xF8, 0xFF]) == 960)                      // CELT FB 20 ms, one frame
        #expect(opus.sampleCount([]) == nil)
        #expect(try Self.track(.vp8, in: .ivf).sampleCount([0xF8]) == nil)
        #expect(opus.recordingTrack(id: 1)?.codec == .opus(OpusCodecConfiguration(channelCount: 1)))
    }

    @Test func h264ParameterSetsComeFromSpropOrTheStreamAndAChangeIsReported() throws {
        let sprop = H264.spropParameterSets([Self.sps, Self.pps])
        let seeded = try Self.track(.h264, fmtp: ["sprop-parameter-sets": sprop])
        #expect(seeded.recordingTrack(id: 1) == RecordingTrack(
            id: 1, codec: .h264(sequenceParameterSets: [Self.sps], pictureParameterSets: [Self.pps]), timescale: 90_000))

        var track = try Self.track(.h264)
        #expect(track.recordingTrack(id: 1) == nil)
        let idr: [UInt8] = [0x65, 0x88]
        let first = track.learn(from: Self.unit([Self.sps, Self.pps, idr]))
        #expect(!first)
        #expect(track.recordingTrack(id: 1) == seeded.recordingTrack(id: 1))
        track.segmentStarted()
        let same = track.learn(from: Self.unit([Self.sps, Self.pps, idr]))   // the same ones again
        var newSPS = Self.sps
        newSPS[3] = 0x28
        let changed = track.learn(from: Self.unit([newSPS, Self.pps, idr]))   // differs from the sample entry
        #expect(!same && changed)
        #expect(track.sampleData(Self.unit([idr, [0x41]])) == [0, 0, 0, 2, 0x65, 0x88, 0, 0, 0, 1, 0x41])
    }

    @Test func vp8SizeComesFromAKeyframe() throws {
        var track = try Self.track(.vp8)
        #expect(track.recordingTrack(id: 1) == nil)
        _ = track.learn(from: Self.unit([Self.vp8Keyframe], keyframe: false))   // not a keyframe: ignored
        #expect(track.videoSize == nil)
        let changed = track.learn(from: Self.unit([Self.vp8Keyframe]))
        #expect(!changed)
        #expect(track.videoSize?.width == 320 && track.videoSize?.height == 240)
        #expect(track.recordingTrack(id: 1) == RecordingTrack(id: 1, codec: .vp8(VPCodecConfiguration(level: 10)),
                                                              timescale: 90_000, width: 320, height: 240))
        #expect(track.ivfFourCC == "VP80")
        #expect(track.sampleData(Self.unit([[1, 2], [3]])) == [1, 2, 3])
    }

    @Test func av1TemporalDelimitersAreLeftOutOfMP4SamplesOnly() throws {
        let delimiter: [UInt8] = [0x12, 0x00]
        let frame: [UInt8] = [0x32, 0x01, 0xAB]
        let unit = Self.unit([delimiter, frame])
        #expect(try Self.track(.av1).sampleData(unit) == frame)
        #expect(try Self.track(.av1, in: .ivf).sampleData(unit) == delimiter + frame)
        #expect(try Self.track(.av1, in: .ivf).ivfFourCC == "AV01")
    }

    @Test func vp9LayersBecomeOneSuperframe() throws {
        #expect(ContainerTrack.superframe([[1, 2, 3], [4, 5]]) == [1, 2, 3, 4, 5, 0xC1, 3, 2, 0xC1])
        let large = [UInt8](repeating: 9, count: 300)
        #expect(ContainerTrack.superframe([large, [7]]).suffix(6) == [0xC9, 0x2C, 0x01, 0x01, 0x00, 0xC9])
        #expect(try Self.track(.vp9, in: .ivf).sampleData(Self.unit([[1, 2, 3], [4, 5]])) == [1, 2, 3, 4, 5, 0xC1, 3, 2, 0xC1])
        #expect(ContainerTrack.vp9Configuration(profile: 2, width: 1920, height: 1080)
            == VPCodecConfiguration(profile: 2, level: 40, bitDepth: 10, chromaSubsampling: 1))
    }

    @Test func mediaFileKindsAreToldBySuffix() {
        #expect(MediaFileKind(path: "clip.h264") == .annexBH264)
        #expect(MediaFileKind(path: "/tmp/a.264") == .annexBH264)
        #expect(MediaFileKind(path: "a.opus") == .oggOpus)
        #expect(MediaFileKind(path: "a.ogg") == .oggOpus)
        #expect(MediaFileKind(path: "a.mp4") == .mp4)
        #expect(MediaFileKind(path: "a.mkv") == nil)
        #expect(MediaFileKind(path: "h264") == nil)
        #expect(MediaFileKind.annexBH264.codec == .h264 && MediaFileKind.annexBH264.kind == .video)
        #expect(MediaFileKind.oggOpus.codec == .opus && MediaFileKind.oggOpus.kind == .audio)
    }
}
