import RTCBase

/// Box serialization for the ISO base media file format (ISO/IEC 14496-12 §4.2): a 32-bit size,
/// a four-character type, then the body; full boxes add an 8-bit version and 24-bit flags.
/// Writers cap their inputs (see `FragmentedMP4Writer.Limits`) so every size fits 32 bits.
extension Array where Element == UInt8 {
    /// Appends a box of `type`, filling in its size after `body` has written the contents.
    mutating func appendBox(_ type: StaticString, _ body: (inout [UInt8]) -> Void) {
        let start = count
        appendUInt32(0)
        appendFourCC(type)
        body(&self)
        patchUInt32(UInt32(truncatingIfNeeded: count - start), at: start)
    }

    /// Appends a full box (version and flags follow the header).
    mutating func appendFullBox(_ type: StaticString, version: UInt8, flags: UInt32,
                                _ body: (inout [UInt8]) -> Void) {
        appendBox(type) { box in
            box.append(version)
            box.appendUInt24(flags)
            body(&box)
        }
    }

    mutating func appendFourCC(_ code: StaticString) {
        code.withUTF8Buffer { append(contentsOf: $0.prefix(4)) }
    }

    mutating func appendZeros(_ n: Int) {
        append(contentsOf: repeatElement(0, count: n))
    }

    /// The unity transformation matrix of `mvhd` and `tkhd` (§8.2.2.3, §8.3.2.3).
    mutating func appendUnityMatrix() {
        for value: UInt32 in [0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000] { appendUInt32(value) }
    }

    /// Overwrites four bytes at `offset` with `value`, big-endian.
    mutating func patchUInt32(_ value: UInt32, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value >> 24)
        self[offset + 1] = UInt8(truncatingIfNeeded: value >> 16)
        self[offset + 2] = UInt8(truncatingIfNeeded: value >> 8)
        self[offset + 3] = UInt8(truncatingIfNeeded: value)
    }
}
