import RTCBase

/// The 32-byte IVF file header (the VP8/VP9/AV1 test-vector container of libvpx):
/// "DKIF" | version(16 LE) | header size(16 LE) | FourCC | width(16) | height(16) |
/// timebase denominator(32) | timebase numerator(32) | frame count(32) | unused(32).
public struct IVFHeader: Sendable, Equatable {
    /// Codec FourCC, e.g. "VP80", "VP90", "AV01".
    public var fourCC: String
    public var width: Int
    public var height: Int
    /// Frame timestamps count in units of numerator/denominator seconds.
    public var timebaseNumerator: UInt32
    public var timebaseDenominator: UInt32
    /// Frame count as written by the muxer (may be 0 or stale).
    public var frameCount: UInt32
    public var headerSize: Int
}

/// One IVF frame: a 12-byte header (size 32 LE, timestamp 64 LE) and the frame bytes.
public struct IVFFrame: Sendable, Equatable {
    public var data: [UInt8]
    /// Presentation time in timebase units.
    public var timestamp: UInt64
}

/// Reads frames from an IVF file held in memory.
public struct IVFReader: Sendable {
    public struct Limits: Sendable, Equatable {
        /// Largest frame accepted. Default 4 MiB.
        public var maxFrameBytes: Int
        public init(maxFrameBytes: Int = 4 << 20) { self.maxFrameBytes = maxFrameBytes }
    }

    public let header: IVFHeader
    public let limits: Limits
    private let bytes: [UInt8]
    private var offset: Int
    private let firstFrameOffset: Int

    public init(_ bytes: [UInt8], limits: Limits = Limits()) throws(ContainerError) {
        var reader = ByteReader(bytes)
        let signature = try reader.readBytes(4, "IVF header")
        guard signature.elementsEqual("DKIF".utf8) else { throw .badSignature("IVF DKIF signature") }
        let version = try reader.readUInt16LE("IVF header")
        guard version == 0 else { throw .unsupported("IVF version \(version)") }
        let headerSize = Int(try reader.readUInt16LE("IVF header"))
        guard headerSize >= 32 else { throw .invalid("IVF header size \(headerSize)") }
        let fourCC = String(decoding: try reader.readBytes(4, "IVF header"), as: UTF8.self)
        let width = Int(try reader.readUInt16LE("IVF header"))
        let height = Int(try reader.readUInt16LE("IVF header"))
        let denominator = try reader.readUInt32LE("IVF header")
        let numerator = try reader.readUInt32LE("IVF header")
        guard denominator > 0, numerator > 0 else { throw .invalid("IVF timebase \(numerator)/\(denominator)") }
        let frameCount = try reader.readUInt32LE("IVF header")
        _ = try reader.readBytes(headerSize - 28, "IVF header")
        header = IVFHeader(fourCC: fourCC, width: width, height: height, timebaseNumerator: numerator,
                           timebaseDenominator: denominator, frameCount: frameCount, headerSize: headerSize)
        self.limits = limits
        self.bytes = bytes
        offset = reader.offset
        firstFrameOffset = reader.offset
    }

    /// The next frame, or nil at the end of the file.
    public mutating func nextFrame() throws(ContainerError) -> IVFFrame? {
        guard offset < bytes.count else { return nil }
        var reader = ByteReader(bytes[offset...])
        let size = try reader.readUInt32LE("IVF frame header at offset \(offset)")
        let timestamp = try reader.readUInt64LE("IVF frame header at offset \(offset)")
        guard size <= UInt32(clamping: limits.maxFrameBytes) else {
            throw .limitExceeded(field: "IVF frame size at offset \(offset)", value: Int(clamping: size),
                                 limit: limits.maxFrameBytes)
        }
        let data = try reader.readBytes(Int(size), "IVF frame of \(size) bytes at offset \(offset)")
        offset += reader.offset
        return IVFFrame(data: Array(data), timestamp: timestamp)
    }

    /// Starts again at the first frame.
    public mutating func rewind() {
        offset = firstFrameOffset
    }

    /// Reads every remaining frame.
    public mutating func readAll() throws(ContainerError) -> [IVFFrame] {
        var frames: [IVFFrame] = []
        while let frame = try nextFrame() { frames.append(frame) }
        return frames
    }
}
