import Codecs
@testable import Containers
import Testing

/// Every `MediaFileKind` read into timed tracks, as the file source plays them.
@Suite struct MediaFileReaderTests {
    @Test func kindsByName() {
        #expect(MediaFileKind(path: "clip.h264") == .annexBH264)
        #expect(MediaFileKind(path: "/tmp/a.h265") == .annexBH265)
        #expect(MediaFileKind(path: "a.hevc") == .annexBH265)
        #expect(MediaFileKind(path: "a.ivf") == .ivf)
        #expect(MediaFileKind(path: "movie.mp4") == .mp4)
        #expect(MediaFileKind(path: "a.MP4") == nil)
        #expect(MediaFileKind.mp4.kind == nil && MediaFileKind.mp4.codec == nil)
        #expect(MediaFileKind.ivf.kind == .video && MediaFileKind.annexBH265.codec == .h265)
    }

    @Test func ivfTracks() throws {
        let vp8 = try MediaFileReader.read(try Fixtures.fixture("tiny.ivf"), kind: .ivf)
        #expect(vp8.map(\.codec) == [.vp8] && vp8[0].timescale == 10)
        #expect(vp8[0].samples.map(\.decodeTime) == [0, 1, 2, 3, 4, 5])
        #expect(vp8[0].samples.allSatisfy { $0.duration == 1 })
        #expect(vp8[0].samples.map(\.unit.isKeyframe) == [true, false, false, true, false, false])
        let vp9 = try MediaFileReader.read(try Fixtures.fixture("tiny-vp9.ivf"), kind: .ivf)
        #expect(vp9.map(\.codec) == [.vp9] && vp9[0].samples.count == 6)
        #expect(vp9[0].samples.first?.unit.isKeyframe == true)
        #expect(vp9[0].samples.filter(\.unit.isKeyframe).count == 2)
        let av1 = try MediaFileReader.read(try Fixtures.fixture("tiny-av1.ivf"), kind: .ivf)
        #expect(av1.map(\.codec) == [.av1] && av1[0].samples.count == 4)
        #expect(av1[0].samples.first?.unit.isKeyframe == true)
    }

    @Test func ivfTimestampsMustAdvance() throws {
        var bytes = try Fixtures.fixture("tiny.ivf")
        let secondFrame = 32 + 12 + 1538
        bytes[secondFrame + 4] = 0                   // frame 1 at timestamp 0, like frame 0
        #expect(throws: ContainerError.self) { try MediaFileReader.read(bytes, kind: .ivf) }
        var fourCC = try Fixtures.fixture("tiny.ivf")
        fourCC.replaceSubrange(8..<12, with: Array("H264".utf8))
        #expect(throws: ContainerError.unsupported("IVF FourCC 'H264' (VP80, VP90 or AV01)")) {
            try MediaFileReader.read(fourCC, kind: .ivf)
        }
    }

    @Test func mp4AndAnnexBAndOgg() throws {
        let mp4 = try MediaFileReader.read(try Fixtures.fixture("tiny-bframes.mp4"), kind: .mp4)
        #expect(mp4.map(\.codec) == [.h264, .opus])
        #expect(mp4[0].samples[0].unit.payloads.first.map { H264.nalType($0[0]) } == H264.NALType.sps)
        #expect(mp4[0].samples.contains { $0.compositionOffset != mp4[0].samples[0].compositionOffset })
        let h265 = try MediaFileReader.read(try Fixtures.fixture("tiny.h265"), kind: .annexBH265, frameRate: 10)
        #expect(h265.map(\.codec) == [.h265] && h265[0].timescale == 90000)
        #expect(h265[0].samples.map(\.decodeTime) == (0..<6).map { Int64($0) * 9000 })
        let opus = try MediaFileReader.read(try Fixtures.fixture("tiny.opus"), kind: .oggOpus)
        #expect(opus.map(\.codec) == [.opus] && opus[0].samples.allSatisfy { $0.duration == 960 })
        #expect(throws: ContainerError.self) { try MediaFileReader.read([1, 2, 3], kind: .mp4) }
        #expect(throws: ContainerError.invalid("frame rate 0")) { try MediaFileReader.read([], kind: .annexBH265, frameRate: 0) }
    }
}
