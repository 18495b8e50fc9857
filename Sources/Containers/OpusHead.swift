import RTCBase

/// The Ogg Opus identification header (RFC 7845 §5.1).
public struct OpusHead: Sendable, Equatable {
    public var version: UInt8
    public var channelCount: Int
    /// Samples (at 48 kHz) to discard from the decoder output at the start.
    public var preSkip: Int
    /// Sample rate of the original input, informational only.
    public var inputSampleRate: UInt32
    /// Gain to apply on output, Q7.8 dB.
    public var outputGain: Int16
    public var mappingFamily: UInt8
    /// Stream count, coupled stream count and channel mapping (families other than 0).
    public var streamCount: Int
    public var coupledStreamCount: Int
    public var channelMapping: [UInt8]

    public init(parsing packet: [UInt8]) throws(ContainerError) {
        var reader = ByteReader(packet)
        let magic = try reader.readBytes(8, "OpusHead")
        guard magic.elementsEqual("OpusHead".utf8) else { throw .badSignature("OpusHead magic") }
        version = try reader.readByte("OpusHead version")
        guard version >> 4 == 0 else { throw .unsupported("Ogg Opus major version \(version >> 4)") }
        channelCount = Int(try reader.readByte("OpusHead channel count"))
        guard channelCount >= 1 else { throw .invalid("OpusHead channel count 0") }
        preSkip = Int(try reader.readUInt16LE("OpusHead pre-skip"))
        inputSampleRate = try reader.readUInt32LE("OpusHead input sample rate")
        outputGain = Int16(bitPattern: try reader.readUInt16LE("OpusHead output gain"))
        mappingFamily = try reader.readByte("OpusHead mapping family")
        if mappingFamily == 0 {
            guard channelCount <= 2 else { throw .invalid("OpusHead: \(channelCount) channels with mapping family 0") }
            streamCount = 1
            coupledStreamCount = channelCount - 1
            channelMapping = channelCount == 1 ? [0] : [0, 1]
        } else {
            streamCount = Int(try reader.readByte("OpusHead stream count"))
            coupledStreamCount = Int(try reader.readByte("OpusHead coupled stream count"))
            guard streamCount >= 1, coupledStreamCount <= streamCount,
                  streamCount + coupledStreamCount <= 255 else {
                throw .invalid("OpusHead stream counts \(streamCount)/\(coupledStreamCount)")
            }
            channelMapping = Array(try reader.readBytes(channelCount, "OpusHead channel mapping"))
            let decodedChannels = streamCount + coupledStreamCount
            guard channelMapping.allSatisfy({ $0 == 255 || Int($0) < decodedChannels }) else {
                throw .invalid("OpusHead channel mapping index")
            }
        }
    }
}

/// The Ogg Opus comment header (RFC 7845 §5.2): vendor string and "NAME=value" comments.
public struct OpusTags: Sendable, Equatable {
    public var vendor: String
    public var comments: [String]

    /// Most comments accepted. Each also has to fit in the packet.
    public static let maxComments = 4096

    public init(parsing packet: [UInt8]) throws(ContainerError) {
        var reader = ByteReader(packet)
        let magic = try reader.readBytes(8, "OpusTags")
        guard magic.elementsEqual("OpusTags".utf8) else { throw .badSignature("OpusTags magic") }
        func string(_ field: String) throws(ContainerError) -> String {
            let length = try reader.readUInt32LE("\(field) length")
            guard length <= UInt32(clamping: reader.remaining) else {
                throw .truncated("\(field) of \(length) bytes")
            }
            return String(decoding: try reader.readBytes(Int(length), field), as: UTF8.self)
        }
        vendor = try string("OpusTags vendor string")
        let count = try reader.readUInt32LE("OpusTags comment count")
        guard count <= UInt32(Self.maxComments) else {
            throw .limitExceeded(field: "OpusTags comment count", value: Int(clamping: count), limit: Self.maxComments)
        }
        comments = []
        for _ in 0..<count { comments.append(try string("OpusTags comment")) }
    }
}
