/// Why a datagram is not an acceptable STUN message (RFC 8489 §6, §14).
public enum STUNParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Fewer than the 20 header bytes.
    case tooShort(length: Int)
    /// The two most significant bits of the first byte are not zero (RFC 8489 §6).
    case notSTUN(firstByte: UInt8)
    /// The magic cookie is not 0x2112A442.
    case badMagicCookie(UInt32)
    /// The header's length field disagrees with the datagram size, or is not a multiple of 4.
    case lengthMismatch(declared: Int, available: Int)
    /// The message exceeds `STUNLimits.maxMessageSize`.
    case messageTooLarge(size: Int, limit: Int)
    /// The message holds more than `STUNLimits.maxAttributes` attributes.
    case tooManyAttributes(limit: Int)
    /// An attribute's declared length (with padding) runs past the end of the message.
    case attributeTruncated(type: UInt16)
    /// An attribute value has the wrong size or content for its type.
    case invalidAttribute(type: UInt16, reason: String)
    /// A text attribute is not valid UTF-8.
    case invalidUTF8(type: UInt16)
    /// USERNAME exceeds `STUNLimits.maxUsernameLength`.
    case usernameTooLong(length: Int, limit: Int)
    /// An attribute follows FINGERPRINT, which must be last (RFC 8489 §14.7).
    case fingerprintNotLast

    public var description: String {
        switch self {
        case .tooShort(let length): "STUN message too short: \(length) bytes, header needs 20"
        case .notSTUN(let byte): "not STUN: first byte 0x\(String(byte, radix: 16)) has top bits set"
        case .badMagicCookie(let cookie): "bad STUN magic cookie 0x\(String(cookie, radix: 16))"
        case .lengthMismatch(let declared, let available):
            "STUN length field \(declared) does not match \(available) bytes after the header"
        case .messageTooLarge(let size, let limit): "STUN message of \(size) bytes exceeds limit \(limit)"
        case .tooManyAttributes(let limit): "STUN message has more than \(limit) attributes"
        case .attributeTruncated(let type): "STUN attribute 0x\(String(type, radix: 16)) runs past the message end"
        case .invalidAttribute(let type, let reason): "invalid STUN attribute 0x\(String(type, radix: 16)): \(reason)"
        case .invalidUTF8(let type): "STUN attribute 0x\(String(type, radix: 16)) is not valid UTF-8"
        case .usernameTooLong(let length, let limit): "STUN USERNAME of \(length) bytes exceeds limit \(limit)"
        case .fingerprintNotLast: "STUN FINGERPRINT is not the last attribute"
        }
    }
}

/// Why a STUN message cannot be serialized.
public enum STUNEncodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// An attribute value longer than the 16-bit length field allows.
    case attributeTooLong(type: UInt16, length: Int)
    /// The whole message body exceeds the 16-bit length field.
    case messageTooLong(length: Int)
    /// OpenSSL could not compute the HMAC.
    case integrityUnavailable

    public var description: String {
        switch self {
        case .attributeTooLong(let type, let length):
            "STUN attribute 0x\(String(type, radix: 16)) value of \(length) bytes exceeds 65535"
        case .messageTooLong(let length): "STUN message body of \(length) bytes exceeds 65535"
        case .integrityUnavailable: "HMAC-SHA1 for STUN MESSAGE-INTEGRITY failed in OpenSSL"
        }
    }
}
