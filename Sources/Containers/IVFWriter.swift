/// Writes IVF, the libvpx test-vector container for VP8, VP9 and AV1: a 32-byte header, then
/// one 12-byte frame header (size 32 LE, timestamp 64 LE) before each frame. Sans-IO.
public struct IVFWriter: Sendable {
    public struct Limits: Sendable, Equatable {
        /// Largest frame accepted. Default 16 MiB (the size field has 32 bits).
        public var maxFrameBytes: Int
        public init(maxFrameBytes: Int = 16 << 20) { self.maxFrameBytes = maxFrameBytes }
    }

    public static let headerSize = 32
    /// Offset of the 32-bit length field that `header(length:)` fills in, for patching a file
    /// in place when it is finished.
    public static let lengthFieldOffset = 24

    public let fourCC: String
    public let width: Int
    public let height: Int
    public let timebaseNumerator: UInt32
    public let timebaseDenominator: UInt32
    public let limits: Limits
    /// Frames written so far.
    public private(set) var frameCount: UInt32 = 0
    /// Timestamp of the last frame written.
    public private(set) var lastTimestamp: UInt64?

    /// - Parameters: `fourCC` "VP80", "VP90" or "AV01" (any four ASCII characters); timestamps
    ///   count in `timebaseNumerator / timebaseDenominator` seconds.
    public init(fourCC: String, width: Int, height: Int, timebaseNumerator: UInt32 = 1,
                timebaseDenominator: UInt32 = 90_000, limits: Limits = Limits()) throws(ContainerError) {
        guard fourCC.utf8.count == 4, fourCC.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw .invalid("IVF FourCC '\(fourCC)'")
        }
        guard (0...0xFFFF).contains(width), (0...0xFFFF).contains(height) else {
            throw .invalid("IVF frame size \(width)x\(height)")
        }
        guard timebaseNumerator > 0, timebaseDenominator > 0 else {
            throw .invalid("IVF timebase \(timebaseNumerator)/\(timebaseDenominator)")
        }
        self.fourCC = fourCC
        self.width = width
        self.height = height
        self.timebaseNumerator = timebaseNumerator
        self.timebaseDenominator = timebaseDenominator
        self.limits = limits
    }

    /// The file header. `length` goes into the field libvpx calls the frame count; ffmpeg reads it
    /// as the stream duration in timebase units, so pass the duration when it is known (0 = unknown).
    public func header(length: UInt32 = 0) -> [UInt8] {
        var out: [UInt8] = Array("DKIF".utf8)
        out.appendLE(UInt16(0), bytes: 2)                  // version
        out.appendLE(UInt16(Self.headerSize), bytes: 2)
        out += Array(fourCC.utf8)
        out.appendLE(UInt16(truncatingIfNeeded: width), bytes: 2)
        out.appendLE(UInt16(truncatingIfNeeded: height), bytes: 2)
        out.appendLE(timebaseDenominator, bytes: 4)
        out.appendLE(timebaseNumerator, bytes: 4)
        out.appendLE(length, bytes: 4)
        out.appendLE(UInt32(0), bytes: 4)                  // unused
        return out
    }

    /// One frame with its header. Timestamps must not go backwards.
    public mutating func frame(_ data: [UInt8], timestamp: UInt64) throws(ContainerError) -> [UInt8] {
        guard data.count <= limits.maxFrameBytes else {
            throw .limitExceeded(field: "IVF frame size", value: data.count, limit: limits.maxFrameBytes)
        }
        if let lastTimestamp, timestamp < lastTimestamp {
            throw .invalid("IVF timestamp \(timestamp) before \(lastTimestamp)")
        }
        var out: [UInt8] = []
        out.reserveCapacity(12 + data.count)
        out.appendLE(UInt32(truncatingIfNeeded: data.count), bytes: 4)
        out.appendLE(timestamp, bytes: 8)
        out += data
        frameCount &+= 1
        lastTimestamp = timestamp
        return out
    }
}

extension Array where Element == UInt8 {
    /// Appends the low `bytes` bytes of `value`, least significant first.
    mutating func appendLE(_ value: some FixedWidthInteger, bytes: Int) {
        for index in 0..<bytes { append(UInt8(truncatingIfNeeded: value >> (index * 8))) }
    }
}
