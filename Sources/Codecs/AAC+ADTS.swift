/// ADTS framing (ISO/IEC 14496-3 §1.A.2.2): the 7- or 9-byte header before each raw AAC frame in
/// `.aac` files and MPEG-TS. Used to turn an ADTS stream into raw frames and an AudioSpecificConfig.
extension AAC {
    public struct ADTSHeader: Sendable, Equatable {
        /// MPEG-4 audio object type (profile + 1).
        public var objectType: Int
        public var samplingFrequencyIndex: Int
        public var channelConfiguration: Int
        /// Header length: 7, or 9 with a CRC.
        public var headerLength: Int
        /// Header plus raw data, in bytes.
        public var frameLength: Int

        /// Parses the fixed and variable header at the start of `bytes`.
        public init(parsing bytes: ArraySlice<UInt8>) throws(CodecParseError) {
            var reader = AACBitReader(bytes)
            guard try reader.read(12, "ADTS syncword") == 0xFFF else { throw .invalidValue(field: "ADTS syncword", value: 0) }
            _ = try reader.read(3, "ADTS id/layer")
            let protectionAbsent = try reader.read(1, "ADTS protection_absent") == 1
            objectType = Int(try reader.read(2, "ADTS profile")) + 1
            samplingFrequencyIndex = Int(try reader.read(4, "ADTS sampling_frequency_index"))
            guard samplingFrequencyIndex < AAC.samplingFrequencies.count else {
                throw .invalidValue(field: "ADTS sampling_frequency_index", value: samplingFrequencyIndex)
            }
            _ = try reader.read(1, "ADTS private_bit")
            channelConfiguration = Int(try reader.read(3, "ADTS channel_configuration"))
            _ = try reader.read(4, "ADTS original/home/copyright bits")
            frameLength = Int(try reader.read(13, "ADTS frame_length"))
            _ = try reader.read(11, "ADTS buffer_fullness")
            let blocks = Int(try reader.read(2, "ADTS number_of_raw_data_blocks"))
            guard blocks == 0 else { throw .unsupported("ADTS frame with \(blocks + 1) raw data blocks") }
            headerLength = protectionAbsent ? 7 : 9
            guard frameLength > headerLength else { throw .invalidValue(field: "ADTS frame_length", value: frameLength) }
        }

        /// The equivalent two-byte AudioSpecificConfig (§1.6.2.1).
        public var audioSpecificConfig: [UInt8] {
            let type = UInt8(truncatingIfNeeded: objectType & 0x1F)
            let index = UInt8(truncatingIfNeeded: samplingFrequencyIndex & 0x0F)
            let channels = UInt8(truncatingIfNeeded: channelConfiguration & 0x0F)
            return [type << 3 | index >> 1, (index & 1) << 7 | channels << 3]
        }
    }

    /// Splits an ADTS stream into raw frames (header removed); stops at the first bad header or
    /// truncated frame. Returns the frames and the first header.
    public static func rawFrames(fromADTS bytes: [UInt8]) -> (frames: [[UInt8]], header: ADTSHeader?) {
        var frames: [[UInt8]] = []
        var first: ADTSHeader?
        var offset = 0
        while offset < bytes.count, let header = try? ADTSHeader(parsing: bytes[offset...]),
              header.frameLength <= bytes.count - offset {
            first = first ?? header
            frames.append(Array(bytes[(offset + header.headerLength)..<(offset + header.frameLength)]))
            offset += header.frameLength
        }
        return (frames, first)
    }
}
