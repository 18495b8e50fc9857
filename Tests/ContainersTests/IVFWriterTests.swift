import Testing
import TestSupport
@testable import Containers

/// IVF writing: the header layout byte by byte, and the VP8 fixture read back by IVFReader
/// and ffprobe after a round trip.
@Suite struct IVFWriterTests {
    @Test func headerAndFrameLayout() throws {
        var writer = try IVFWriter(fourCC: "VP80", width: 640, height: 360, timebaseNumerator: 1, timebaseDenominator: 90_000)
        #expect(writer.header(length: 900_000) == Array("DKIF".utf8) + [0, 0, 32, 0] + Array("VP80".utf8)
                + [0x80, 0x02, 0x68, 0x01, 0x90, 0x5F, 0x01, 0x00, 1, 0, 0, 0, 0xA0, 0xBB, 0x0D, 0x00, 0, 0, 0, 0])
        #expect(try writer.frame([9, 8, 7], timestamp: 0x0102) == [3, 0, 0, 0, 0x02, 0x01, 0, 0, 0, 0, 0, 0, 9, 8, 7])
        #expect(writer.frameCount == 1)
        #expect(throws: ContainerError.self) { try writer.frame([1], timestamp: 1) }   // backwards
        #expect(throws: ContainerError.self) { try IVFWriter(fourCC: "VP8", width: 1, height: 1) }
        #expect(throws: ContainerError.self) { try IVFWriter(fourCC: "VP80", width: 70_000, height: 1) }
        #expect(throws: ContainerError.self) { try IVFWriter(fourCC: "VP80", width: 1, height: 1, timebaseDenominator: 0) }
    }

    @Test func frameSizeLimit() throws {
        var writer = try IVFWriter(fourCC: "AV01", width: 16, height: 16, limits: .init(maxFrameBytes: 8))
        _ = try writer.frame([UInt8](repeating: 0, count: 8), timestamp: 0)
        #expect(throws: ContainerError.limitExceeded(field: "IVF frame size", value: 9, limit: 8)) {
            try writer.frame([UInt8](repeating: 0, count: 9), timestamp: 1)
        }
    }

    /// The fixture (6 VP8 frames, 64x48, 10 fps) through IVFReader → IVFWriter.
    static func roundTrip() throws -> (original: IVFReader, bytes: [UInt8]) {
        var reader = try IVFReader(try Fixtures.fixture("tiny.ivf"))
        let header = reader.header
        let frames = try reader.readAll()
        var writer = try IVFWriter(fourCC: header.fourCC, width: header.width, height: header.height,
                                   timebaseNumerator: header.timebaseNumerator, timebaseDenominator: header.timebaseDenominator)
        let duration = UInt32(frames.count) * header.timebaseDenominator / 10 / header.timebaseNumerator
        var bytes = writer.header(length: duration)
        for frame in frames { bytes += try writer.frame(frame.data, timestamp: frame.timestamp) }
        return (reader, bytes)
    }

    @Test func vp8FixtureRoundTrips() throws {
        var (original, bytes) = try Self.roundTrip()
        original.rewind()
        var copy = try IVFReader(bytes)
        #expect(copy.header.fourCC == "VP80" && copy.header.width == 64 && copy.header.height == 48)
        #expect(try copy.readAll() == original.readAll())
    }

    @Test(.enabled(if: FFprobe.isAvailable, "ffprobe is not installed"))
    func ffprobeReadsTheRoundTrippedVP8() throws {
        let streams = try FFprobe.streams(of: try Self.roundTrip().bytes, fileExtension: "ivf")
        #expect(streams.count == 1)
        #expect(streams.first?.codec_name == "vp8")
        #expect(streams.first?.width == 64 && streams.first?.height == 48)
        let seconds = try #require(streams.first?.seconds)
        #expect(abs(seconds - 0.6) <= 0.06, "duration \(seconds)")
    }
}
