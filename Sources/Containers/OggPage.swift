import RTCBase

/// One Ogg page (RFC 3533 §6):
/// ```
/// "OggS" | version(0) | header_type | granule_position(64 LE) | serial(32 LE) |
/// page_sequence(32 LE) | CRC(32 LE) | page_segments | lacing values | body
/// ```
public struct OggPage: Sendable, Equatable {
    /// Fixed header size before the lacing values.
    public static let headerSize = 27

    /// Bit 0x01: the first packet continues one from the previous page.
    public var isContinuation: Bool
    /// Bit 0x02: first page of a logical bitstream.
    public var isBeginningOfStream: Bool
    /// Bit 0x04: last page of a logical bitstream.
    public var isEndOfStream: Bool
    /// Codec-defined position after the last packet completed on this page; -1 when none is.
    public var granulePosition: Int64
    public var serialNumber: UInt32
    public var sequenceNumber: UInt32
    /// Lacing values: 255 continues a packet, anything smaller ends one.
    public var lacingValues: [UInt8]
    public var body: ArraySlice<UInt8>
    /// Total size of the page in bytes.
    public var size: Int

    /// Parses the page at the start of `bytes` and checks its CRC.
    public init(parsing bytes: ArraySlice<UInt8>) throws(ContainerError) {
        var reader = ByteReader(bytes)
        let offset = bytes.startIndex
        let capture = try reader.readBytes(4, "Ogg page header at offset \(offset)")
        guard capture.elementsEqual("OggS".utf8) else { throw .badSignature("Ogg capture pattern at offset \(offset)") }
        let version = try reader.readByte("Ogg page header at offset \(offset)")
        guard version == 0 else { throw .invalid("Ogg stream structure version \(version) at offset \(offset)") }
        let headerType = try reader.readByte("Ogg page header at offset \(offset)")
        guard headerType & 0xf8 == 0 else { throw .invalid("Ogg header_type 0x\(String(headerType, radix: 16))") }
        isContinuation = headerType & 0x01 != 0
        isBeginningOfStream = headerType & 0x02 != 0
        isEndOfStream = headerType & 0x04 != 0
        granulePosition = Int64(bitPattern: try reader.readUInt64LE("Ogg granule position at offset \(offset)"))
        serialNumber = try reader.readUInt32LE("Ogg serial number at offset \(offset)")
        sequenceNumber = try reader.readUInt32LE("Ogg page sequence at offset \(offset)")
        let storedCRC = try reader.readUInt32LE("Ogg CRC at offset \(offset)")
        let segmentCount = Int(try reader.readByte("Ogg page_segments at offset \(offset)"))
        lacingValues = Array(try reader.readBytes(segmentCount, "Ogg lacing values at offset \(offset)"))
        let bodySize = lacingValues.reduce(0) { $0 + Int($1) }   // at most 255 * 255
        body = try reader.readBytes(bodySize, "Ogg page body (\(bodySize) bytes) at offset \(offset)")
        size = reader.offset
        let computed = OggCRC.pageChecksum(bytes.prefix(size))
        guard computed == storedCRC else {
            throw .checksumMismatch(pageSequence: sequenceNumber, expected: storedCRC, computed: computed)
        }
    }

    /// Builds a page from its fields (CRC filled in), e.g. for writers and tests.
    public static func serialize(headerType: UInt8, granulePosition: Int64, serialNumber: UInt32,
                                 sequenceNumber: UInt32, lacingValues: [UInt8], body: [UInt8]) -> [UInt8] {
        var page: [UInt8] = Array("OggS".utf8) + [0, headerType]
        let granule = UInt64(bitPattern: granulePosition)
        for shift in stride(from: 0, to: 64, by: 8) { page.append(UInt8(truncatingIfNeeded: granule >> UInt64(shift))) }
        for value in [serialNumber, sequenceNumber, 0] {
            for shift in stride(from: 0, to: 32, by: 8) { page.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
        }
        page.append(UInt8(truncatingIfNeeded: lacingValues.count))
        page += lacingValues
        page += body
        let crc = OggCRC.checksum(page)
        for (offset, shift) in stride(from: 0, to: 32, by: 8).enumerated() {
            page[22 + offset] = UInt8(truncatingIfNeeded: crc >> UInt32(shift))
        }
        return page
    }

    /// Lacing values for one packet of `size` bytes (RFC 3533 §5).
    public static func lacing(forPacketSize size: Int) -> [UInt8] {
        Array(repeating: 255, count: size / 255) + [UInt8(size % 255)]
    }
}
