/// AV1 RTP payload facts (AV1 RTP Payload Format specification v1.0, §4) and the OBU syntax it
/// carries (AV1 Bitstream & Decoding Process Specification §5.3).
public enum AV1 {
    /// Cheap check: the aggregation header's N bit marks the first packet of a coded video
    /// sequence, which starts with a key frame.
    public static func isKeyframePacket(_ payload: ArraySlice<UInt8>) -> Bool {
        guard let header = payload.first else { return false }
        return header & 0x08 != 0
    }

    /// `obu_type` values (AV1 specification §6.2.2).
    public enum OBUType {
        public static let sequenceHeader: UInt8 = 1
        public static let temporalDelimiter: UInt8 = 2
        public static let frameHeader: UInt8 = 3
        public static let tileGroup: UInt8 = 4
        public static let metadata: UInt8 = 5
        public static let frame: UInt8 = 6
        public static let redundantFrameHeader: UInt8 = 7
        public static let tileList: UInt8 = 8
        public static let padding: UInt8 = 15
    }

    /// The `obu_type` of an OBU header byte.
    @inlinable
    public static func obuType(_ headerByte: UInt8) -> UInt8 { headerByte >> 3 & 0x0f }

    /// A temporal delimiter OBU in low-overhead format (type 2, obu_size 0).
    public static let temporalDelimiter: [UInt8] = [0x12, 0x00]

    /// Reads an unsigned LEB128 value (AV1 specification §4.10.5): at most 8 bytes, value below
    /// 2^32. Returns the value and its encoded length.
    public static func readLEB128(_ bytes: ArraySlice<UInt8>) throws(CodecParseError) -> (value: Int, length: Int) {
        var value: UInt64 = 0
        var index = bytes.startIndex
        for byteIndex in 0..<8 {
            guard index < bytes.endIndex else { throw .truncated(field: "leb128") }
            let byte = bytes[index]
            value |= UInt64(byte & 0x7f) << UInt64(7 * byteIndex)
            index += 1
            if byte & 0x80 == 0 {
                guard value <= UInt64(UInt32.max) else { throw .invalidValue(field: "leb128", value: Int(clamping: value)) }
                return (Int(value), byteIndex + 1)
            }
        }
        throw .invalidValue(field: "leb128 length", value: 9)
    }

    /// Appends `value` as unsigned LEB128 in the fewest bytes.
    public static func appendLEB128(_ value: Int, to out: inout [UInt8]) {
        var rest = UInt64(clamping: value)
        repeat {
            let byte = UInt8(truncatingIfNeeded: rest & 0x7f)
            rest >>= 7
            out.append(rest == 0 ? byte : byte | 0x80)
        } while rest != 0
    }

    /// Bytes `appendLEB128` writes for `value`.
    @inlinable
    public static func leb128Size(_ value: Int) -> Int {
        var size = 1
        var rest = value >> 7
        while rest > 0 { size += 1; rest >>= 7 }
        return size
    }

    /// `reduced_still_picture_header` of a sequence header OBU payload (§5.5.1: seq_profile(3),
    /// still_picture(1), reduced_still_picture_header(1)); nil when empty.
    public static func hasReducedStillPictureHeader(sequenceHeader payload: ArraySlice<UInt8>) -> Bool? {
        guard let first = payload.first else { return nil }
        return first & 0x08 != 0
    }

    /// True when a frame header or frame OBU payload (§5.9.2) starts a key frame:
    /// frame_type KEY_FRAME and not show_existing_frame. A reduced still picture header implies
    /// a key frame.
    public static func isKeyframeHeader(_ payload: ArraySlice<UInt8>, reducedStillPictureHeader: Bool) -> Bool {
        if reducedStillPictureHeader { return true }
        guard let first = payload.first else { return false }
        let showExistingFrame = first & 0x80 != 0
        return !showExistingFrame && first >> 5 & 0x03 == 0
    }
}
