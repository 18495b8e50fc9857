/// CRC-32 (ISO-HDLC / IEEE 802.3, reflected polynomial 0xEDB88320), as FINGERPRINT uses it
/// (RFC 8489 §14.7).
enum STUNCRC32 {
    /// FINGERPRINT is the CRC-32 XORed with this constant ("STUN" in ASCII).
    static let fingerprintXOR: UInt32 = 0x5354_554e

    /// The 256-entry lookup table, built once.
    static let table: [UInt32] = (0..<256).map { index -> UInt32 in
        var crc = UInt32(index)
        for _ in 0..<8 {
            crc = crc & 1 == 1 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1
        }
        return crc
    }

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        table.withUnsafeBufferPointer { table in
            var crc: UInt32 = 0xffff_ffff
            for byte in bytes {
                crc = (crc >> 8) ^ table[Int((crc ^ UInt32(byte)) & 0xff)]
            }
            return ~crc
        }
    }

    /// The FINGERPRINT value for the message bytes preceding the attribute.
    static func fingerprint(_ bytes: ArraySlice<UInt8>) -> UInt32 { checksum(bytes) ^ fingerprintXOR }
}
