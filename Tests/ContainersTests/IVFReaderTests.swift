import Testing
import Codecs
@testable import Containers

@Suite struct IVFReaderTests {
    @Test func tinyVP8Fixture() throws {
        // ffmpeg libvpx, 64x48, 10 fps, GOP 3, 6 frames (Fixtures/tiny.ivf).
        var reader = try IVFReader(try Fixtures.fixture("tiny.ivf"))
        #expect(reader.header == IVFHeader(fourCC: "VP80", width: 64, height: 48, timebaseNumerator: 1,
                                           timebaseDenominator: 10, frameCount: 6, headerSize: 32))
        let frames = try reader.readAll()
        #expect(frames.map(\.data.count) == [1538, 128, 149, 1533, 154, 113])
        #expect(frames.map(\.timestamp) == [0, 1, 2, 3, 4, 5])
        #expect(frames.map { VP8.isKeyframeHeader($0.data[0]) } == [true, false, false, true, false, false])
        #expect(VP8.keyframeDimensions(frames[0].data[...]).map { [$0.width, $0.height] } == [64, 48])
        reader.rewind()
        #expect(try reader.nextFrame() == frames.first)
    }

    func header(signature: String = "DKIF", version: UInt8 = 0, size: UInt8 = 32) -> [UInt8] {
        Array(signature.utf8) + [version, 0, size, 0] + Array("VP80".utf8) + [0x80, 0x02, 0x68, 0x01]
            + [30, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]
    }

    func frame(_ data: [UInt8], timestamp: UInt8) -> [UInt8] {
        [UInt8(data.count), 0, 0, 0, timestamp, 0, 0, 0, 0, 0, 0, 0] + data
    }

    @Test func handBuiltFile() throws {
        var reader = try IVFReader(header() + frame([1, 2, 3], timestamp: 0) + frame([4], timestamp: 3))
        #expect(reader.header.width == 640)
        #expect(reader.header.height == 360)
        #expect(reader.header.timebaseDenominator == 30)
        #expect(try reader.readAll() == [IVFFrame(data: [1, 2, 3], timestamp: 0), IVFFrame(data: [4], timestamp: 3)])
    }

    @Test func headerErrors() {
        #expect(throws: ContainerError.badSignature("IVF DKIF signature")) { try IVFReader(header(signature: "RIFF")) }
        #expect(throws: ContainerError.unsupported("IVF version 1")) { try IVFReader(header(version: 1)) }
        #expect(throws: ContainerError.invalid("IVF header size 16")) { try IVFReader(header(size: 16)) }
        for length in 0..<32 {
            #expect(throws: ContainerError.truncated("IVF header")) { try IVFReader(Array(header().prefix(length))) }
        }
    }

    @Test func truncatedFrames() throws {
        let bytes = header() + frame([1, 2, 3], timestamp: 0)
        var cutHeader = try IVFReader(Array(bytes.prefix(40)))
        #expect(throws: ContainerError.truncated("IVF frame header at offset 32")) { try cutHeader.nextFrame() }
        var cutBody = try IVFReader(Array(bytes.dropLast()))
        #expect(throws: ContainerError.truncated("IVF frame of 3 bytes at offset 32")) { try cutBody.nextFrame() }
    }

    @Test func frameSizeCapAtLimitAndOnePast() throws {
        let limits = IVFReader.Limits(maxFrameBytes: 3)
        var atCap = try IVFReader(header() + frame([1, 2, 3], timestamp: 0), limits: limits)
        #expect(try atCap.nextFrame()?.data == [1, 2, 3])
        var over = try IVFReader(header() + frame([1, 2, 3, 4], timestamp: 0), limits: limits)
        #expect(throws: ContainerError.limitExceeded(field: "IVF frame size at offset 32", value: 4, limit: 3)) {
            try over.nextFrame()
        }
    }
}
