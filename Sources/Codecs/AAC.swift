/// MPEG-4 AAC facts needed to carry AAC over RTP (RFC 3640 `mpeg4-generic`, RFC 6416 `MP4A-LATM`)
/// and into MP4 (ISO/IEC 14496-14 `esds`).
public enum AAC {
    /// PCM samples per AAC frame (raw_data_block) in the usual (non-LD, non-960) configuration.
    public static let samplesPerFrame = 1024

    /// Sampling frequencies by `samplingFrequencyIndex` (ISO/IEC 14496-3 §1.6.3.4, Table 1.18).
    public static let samplingFrequencies = [
        96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025, 8_000, 7_350,
    ]

    /// The leading fields of an AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1): object type,
    /// sampling rate and channel configuration; the rest stays in `bytes`.
    public struct AudioSpecificConfig: Sendable, Equatable {
        /// audioObjectType (2 = AAC LC, 5 = SBR, 29 = PS), after the escape of §1.6.2.1.1.
        public var objectType: Int
        /// Sampling frequency in Hz (from the index or the explicit 24-bit value).
        public var sampleRate: Int
        /// channelConfiguration (1 = mono, 2 = stereo, 0 = defined in the program config element).
        public var channelConfiguration: Int
        /// The whole configuration as carried in fmtp `config=` and in the DecoderSpecificInfo.
        public var bytes: [UInt8]

        /// Parses the leading fields; the configuration may hold more (extensions), kept in `bytes`.
        public init(bytes: [UInt8]) throws(CodecParseError) {
            guard bytes.count <= AAC.maxConfigBytes else {
                throw .limitExceeded(field: "AudioSpecificConfig bytes", value: bytes.count, limit: AAC.maxConfigBytes)
            }
            var reader = AACBitReader(bytes[...])
            var objectType = Int(try reader.read(5, "audioObjectType"))
            if objectType == 31 { objectType = 32 + Int(try reader.read(6, "audioObjectTypeExt")) }
            guard objectType != 0 else { throw .invalidValue(field: "audioObjectType", value: 0) }
            let index = Int(try reader.read(4, "samplingFrequencyIndex"))
            if index == 0xF {
                sampleRate = Int(try reader.read(24, "samplingFrequency"))
            } else if index < AAC.samplingFrequencies.count {
                sampleRate = AAC.samplingFrequencies[index]
            } else {
                throw .invalidValue(field: "samplingFrequencyIndex", value: index)
            }
            guard sampleRate > 0 else { throw .invalidValue(field: "samplingFrequency", value: 0) }
            channelConfiguration = Int(try reader.read(4, "channelConfiguration"))
            self.objectType = objectType
            self.bytes = bytes
        }

        /// Parses the hexadecimal `config=` value of an `mpeg4-generic` fmtp (RFC 3640 §4.1).
        public init(hex: String) throws(CodecParseError) {
            guard hex.utf8.count <= AAC.maxConfigBytes * 2 else {
                throw .limitExceeded(field: "config= hex digits", value: hex.utf8.count, limit: AAC.maxConfigBytes * 2)
            }
            guard hex.utf8.count % 2 == 0, !hex.isEmpty else { throw .invalidValue(field: "config= hex digits", value: hex.utf8.count) }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(hex.utf8.count / 2)
            var high: UInt8?
            for char in hex.utf8 {
                guard let nibble = AAC.hexValue(char) else { throw .invalidValue(field: "config= hex digit", value: Int(char)) }
                if let value = high {
                    bytes.append(value << 4 | nibble)
                    high = nil
                } else {
                    high = nibble
                }
            }
            try self.init(bytes: bytes)
        }

        /// Channel count for the MP4 sample entry: the configuration's, else 2 (defined in a PCE).
        public var channelCount: Int {
            switch channelConfiguration {
            case 1...6: channelConfiguration
            case 7: 8
            default: 2
            }
        }
    }

    /// Largest AudioSpecificConfig accepted, in bytes.
    public static let maxConfigBytes = 64

    static func hexValue(_ char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): char - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): char - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): char - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// MSB-first bit reader over a byte slice for AU headers and AudioSpecificConfig; never traps.
struct AACBitReader {
    private let bytes: ArraySlice<UInt8>
    private(set) var bitIndex = 0

    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    var bitsRemaining: Int { bytes.count * 8 - bitIndex }

    /// Reads `count` (0...32) bits as an unsigned value.
    mutating func read(_ count: Int, _ field: String) throws(CodecParseError) -> UInt32 {
        guard count >= 0, count <= 32 else { throw .invalidValue(field: field, value: count) }
        guard count <= bitsRemaining else { throw .truncated(field: field) }
        var value: UInt64 = 0
        for _ in 0..<count {
            let byte = bytes[bytes.startIndex + bitIndex >> 3]
            value = value << 1 | UInt64((byte >> (7 - UInt8(bitIndex & 7))) & 1)
            bitIndex += 1
        }
        return UInt32(truncatingIfNeeded: value)
    }
}
