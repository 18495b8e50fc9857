/// MSB-first bit reader over a raw byte sequence payload (emulation prevention already removed),
/// with the Exp-Golomb codes of ITU-T H.264 §9.1. Never traps; reads past the end throw.
struct RBSPBitReader {
    private let bytes: [UInt8]
    private var bitIndex: Int = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var bitsRemaining: Int { bytes.count * 8 - bitIndex }

    mutating func readBit(_ field: String) throws(CodecParseError) -> UInt32 {
        guard bitIndex < bytes.count * 8 else { throw .truncated(field: field) }
        let byte = bytes[bitIndex >> 3]
        let bit = (byte >> (7 - UInt8(bitIndex & 7))) & 1
        bitIndex += 1
        return UInt32(bit)
    }

    mutating func readFlag(_ field: String) throws(CodecParseError) -> Bool {
        try readBit(field) == 1
    }

    /// Reads `count` (0...32) bits as an unsigned value.
    mutating func readBits(_ count: Int, _ field: String) throws(CodecParseError) -> UInt32 {
        guard count >= 0, count <= 32 else { throw .invalidValue(field: field, value: count) }
        guard count <= bitsRemaining else { throw .truncated(field: field) }
        var value: UInt64 = 0
        for _ in 0..<count { value = value << 1 | UInt64(try readBit(field)) }
        return UInt32(truncatingIfNeeded: value)
    }

    /// ue(v), §9.1. Codes longer than 32 bits are rejected.
    mutating func readUE(_ field: String) throws(CodecParseError) -> UInt32 {
        var leadingZeros = 0
        while try readBit(field) == 0 {
            leadingZeros += 1
            guard leadingZeros <= 31 else { throw .invalidValue(field: field, value: leadingZeros) }
        }
        let suffix = UInt64(try readBits(leadingZeros, field))
        return UInt32(truncatingIfNeeded: (UInt64(1) << UInt64(leadingZeros)) - 1 + suffix)
    }

    /// se(v), §9.1.1.
    mutating func readSE(_ field: String) throws(CodecParseError) -> Int32 {
        let code = Int64(try readUE(field))
        let magnitude = (code + 1) / 2
        return Int32(truncatingIfNeeded: code % 2 == 1 ? magnitude : -magnitude)
    }
}
