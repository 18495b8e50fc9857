import RTCBase

/// The fixed 20-byte STUN header and the attribute TLV walk (RFC 8489 §5, §14), shared by the
/// full parser, the integrity checks and the cheap demultiplexing helpers.
enum STUNFraming {
    static let headerSize = 20
    static let magicCookie: UInt32 = 0x2112_a442
    static let attributeHeaderSize = 4

    /// Checks size limit, top bits, cookie and length field. Does not look at attributes.
    static func validateHeader(_ bytes: ArraySlice<UInt8>, maxMessageSize: Int) throws(STUNParseError) {
        let size = bytes.count
        guard size >= headerSize else { throw .tooShort(length: size) }
        guard size <= maxMessageSize else { throw .messageTooLarge(size: size, limit: maxMessageSize) }
        let start = bytes.startIndex
        let first = bytes[start]
        guard first & 0xc0 == 0 else { throw .notSTUN(firstByte: first) }
        let declared = Int(bytes[start + 2]) << 8 | Int(bytes[start + 3])
        let cookie = UInt32(bytes[start + 4]) << 24 | UInt32(bytes[start + 5]) << 16
            | UInt32(bytes[start + 6]) << 8 | UInt32(bytes[start + 7])
        guard cookie == magicCookie else { throw .badMagicCookie(cookie) }
        let available = size - headerSize
        guard declared == available, declared & 3 == 0 else {
            throw .lengthMismatch(declared: declared, available: available)
        }
    }

    /// Rounds an attribute value length up to the 32-bit boundary.
    @inline(__always)
    static func padded(_ length: Int) -> Int { (length + 3) & ~3 }
}

/// One attribute as it lies in the message: type, where its TLV header starts, and its value.
struct STUNRawAttribute {
    var type: UInt16
    /// Index (in the message's slice) of the attribute's type field.
    var start: Int
    var value: ArraySlice<UInt8>
}

/// Walks the TLV attributes of a message whose header `validateHeader` accepted.
struct STUNAttributeWalker {
    private var reader: ByteReader
    private let maxAttributes: Int
    private(set) var count = 0

    init(message bytes: ArraySlice<UInt8>, maxAttributes: Int) {
        let bodyStart = bytes.startIndex + min(STUNFraming.headerSize, bytes.count)
        self.reader = ByteReader(bytes[bodyStart...])
        self.maxAttributes = maxAttributes
    }

    /// The next attribute, nil at the end of the message.
    mutating func next() throws(STUNParseError) -> STUNRawAttribute? {
        guard !reader.isAtEnd else { return nil }
        guard count < maxAttributes else { throw .tooManyAttributes(limit: maxAttributes) }
        let start = reader.index
        let type = try reader.stunUInt16(attribute: 0)
        let length = Int(try reader.stunUInt16(attribute: type))
        let value = try reader.stunBytes(length, attribute: type)
        try reader.stunSkip(STUNFraming.padded(length) - length, attribute: type)
        count += 1
        return STUNRawAttribute(type: type, start: start, value: value)
    }
}
