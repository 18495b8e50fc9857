/// The Ogg page checksum (RFC 3533 §6): CRC-32 with generator polynomial 0x04C11DB7, initial
/// value 0, no bit reflection and no final XOR, over the whole page with the CRC field zeroed.
public enum OggCRC {
    static let table: [UInt32] = (0..<256).map { byte in
        var crc = UInt32(byte) << 24
        for _ in 0..<8 { crc = crc & 0x8000_0000 != 0 ? (crc << 1) ^ 0x04C1_1DB7 : crc << 1 }
        return crc
    }

    /// Continues a checksum over `bytes`.
    public static func update(_ crc: UInt32, _ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc = crc
        for byte in bytes { crc = (crc << 8) ^ table[Int((crc >> 24) ^ UInt32(byte))] }
        return crc
    }

    /// Checksum of `bytes` from the initial value 0.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 { update(0, bytes) }

    /// Checksum of a complete page, treating its CRC field (bytes 22...25) as zero.
    public static func pageChecksum(_ page: ArraySlice<UInt8>) -> UInt32 {
        let s = page.startIndex
        guard page.count >= 27 else { return checksum(page) }
        var crc = update(0, page[s..<(s + 22)])
        crc = update(crc, [0, 0, 0, 0] as [UInt8])
        return update(crc, page[(s + 26)...])
    }
}
