import RTCBase

extension STUNMessage {
    /// Parses one STUN message filling the whole datagram (RFC 8489 §6, §14). Throws on anything
    /// malformed or over `limits`; never traps. Integrity and fingerprint are not checked here.
    public init(parsing bytes: ArraySlice<UInt8>, limits: STUNLimits = STUNLimits()) throws(STUNParseError) {
        try STUNFraming.validateHeader(bytes, maxMessageSize: limits.maxMessageSize)
        let start = bytes.startIndex
        let rawType = UInt16(bytes[start]) << 8 | UInt16(bytes[start + 1])
        guard let transactionID = STUNTransactionID(bytes: bytes[(start + 8)..<(start + 20)]) else {
            throw .tooShort(length: bytes.count)
        }
        var attributes: [STUNAttribute] = []
        var walker = STUNAttributeWalker(message: bytes, maxAttributes: limits.maxAttributes)
        var sawIntegrity = false
        var sawIntegritySHA256 = false
        var sawFingerprint = false
        while let raw = try walker.next() {
            guard !sawFingerprint else { throw .fingerprintNotLast }
            // RFC 8489 §14.5/§14.6: after MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256 and
            // FINGERPRINT count; after MESSAGE-INTEGRITY-SHA256 only FINGERPRINT. Others are ignored.
            switch STUNAttributeType(rawValue: raw.type) {
            case .fingerprint:
                sawFingerprint = true
            case .messageIntegrity:
                if sawIntegrity || sawIntegritySHA256 { continue }
                sawIntegrity = true
            case .messageIntegritySHA256:
                if sawIntegritySHA256 { continue }
                sawIntegritySHA256 = true
            default:
                if sawIntegrity || sawIntegritySHA256 { continue }
            }
            attributes.append(try STUNAttribute(type: raw.type, value: raw.value,
                                                transactionID: transactionID, limits: limits))
        }
        self.init(type: STUNMessageType(rawValue: rawType), transactionID: transactionID, attributes: attributes)
    }

    /// Parses one STUN message from a whole datagram.
    public init(parsing bytes: [UInt8], limits: STUNLimits = STUNLimits()) throws(STUNParseError) {
        try self.init(parsing: bytes[...], limits: limits)
    }
}

extension STUNAttribute {
    /// Decodes one attribute value (without padding). Unknown types become `.other`.
    init(type: UInt16, value: ArraySlice<UInt8>, transactionID: STUNTransactionID,
         limits: STUNLimits) throws(STUNParseError) {
        switch STUNAttributeType(rawValue: type) {
        case .mappedAddress:
            self = .mappedAddress(try Self.decodeAddress(value, type: type, xorWith: nil))
        case .xorMappedAddress:
            self = .xorMappedAddress(try Self.decodeAddress(value, type: type, xorWith: transactionID))
        case .username:
            guard value.count <= limits.maxUsernameLength else {
                throw .usernameTooLong(length: value.count, limit: limits.maxUsernameLength)
            }
            self = .username(try Self.decodeText(value, type: type))
        case .messageIntegrity:
            try Self.requireLength(value, type: type, 20)
            self = .messageIntegrity(Array(value))
        case .messageIntegritySHA256:
            guard (16...32).contains(value.count), value.count & 3 == 0 else {
                throw .invalidAttribute(type: type, reason: "length \(value.count), expected 16–32 in steps of 4")
            }
            self = .messageIntegritySHA256(Array(value))
        case .fingerprint:
            try Self.requireLength(value, type: type, 4)
            var reader = ByteReader(value)
            self = .fingerprint(try reader.stunUInt32(attribute: type))
        case .errorCode:
            self = .errorCode(try Self.decodeErrorCode(value, type: type))
        case .unknownAttributes:
            guard value.count & 1 == 0 else {
                throw .invalidAttribute(type: type, reason: "odd length \(value.count)")
            }
            var reader = ByteReader(value)
            var types: [UInt16] = []
            types.reserveCapacity(value.count / 2)
            while !reader.isAtEnd { types.append(try reader.stunUInt16(attribute: type)) }
            self = .unknownAttributes(types)
        case .software:
            self = .software(try Self.decodeText(value, type: type))
        case .priority:
            try Self.requireLength(value, type: type, 4)
            var reader = ByteReader(value)
            self = .priority(try reader.stunUInt32(attribute: type))
        case .useCandidate:
            try Self.requireLength(value, type: type, 0)
            self = .useCandidate
        case .iceControlled:
            try Self.requireLength(value, type: type, 8)
            var reader = ByteReader(value)
            self = .iceControlled(tieBreaker: try reader.stunUInt64(attribute: type))
        case .iceControlling:
            try Self.requireLength(value, type: type, 8)
            var reader = ByteReader(value)
            self = .iceControlling(tieBreaker: try reader.stunUInt64(attribute: type))
        default:
            self = try Self.decodeTURN(type: type, value: value, transactionID: transactionID, limits: limits)
        }
    }

    /// The long-term-credential and TURN attributes (RFC 8489 §14.9–§14.10, RFC 8656 §18);
    /// anything else becomes `.other`.
    private static func decodeTURN(type: UInt16, value: ArraySlice<UInt8>, transactionID: STUNTransactionID,
                                   limits: STUNLimits) throws(STUNParseError) -> STUNAttribute {
        var reader = ByteReader(value)
        switch STUNAttributeType(rawValue: type) {
        case .realm:
            guard value.count <= limits.maxRealmLength else {
                throw .invalidAttribute(type: type, reason: "length \(value.count) over \(limits.maxRealmLength)")
            }
            return .realm(try decodeText(value, type: type))
        case .nonce:
            guard value.count <= limits.maxNonceLength else {
                throw .invalidAttribute(type: type, reason: "length \(value.count) over \(limits.maxNonceLength)")
            }
            return .nonce(try decodeText(value, type: type))
        case .channelNumber:
            try requireLength(value, type: type, 4)
            return .channelNumber(try reader.stunUInt16(attribute: type))
        case .lifetime:
            try requireLength(value, type: type, 4)
            return .lifetime(try reader.stunUInt32(attribute: type))
        case .xorPeerAddress:
            return .xorPeerAddress(try decodeAddress(value, type: type, xorWith: transactionID))
        case .xorRelayedAddress:
            return .xorRelayedAddress(try decodeAddress(value, type: type, xorWith: transactionID))
        case .data:
            guard value.count <= limits.maxDataLength else {
                throw .invalidAttribute(type: type, reason: "length \(value.count) over \(limits.maxDataLength)")
            }
            return .data(Array(value))
        case .requestedTransport:
            try requireLength(value, type: type, 4)
            return .requestedTransport(UInt8(truncatingIfNeeded: try reader.stunUInt32(attribute: type) >> 24))
        case .dontFragment:
            try requireLength(value, type: type, 0)
            return .dontFragment
        default:
            return .other(type: type, value: Array(value))
        }
    }

    private static func requireLength(_ value: ArraySlice<UInt8>, type: UInt16, _ expected: Int) throws(STUNParseError) {
        guard value.count == expected else {
            throw .invalidAttribute(type: type, reason: "length \(value.count), expected \(expected)")
        }
    }

    private static func decodeText(_ value: ArraySlice<UInt8>, type: UInt16) throws(STUNParseError) -> String {
        guard let text = String(validating: value, as: UTF8.self) else { throw .invalidUTF8(type: type) }
        return text
    }

    /// (XOR-)MAPPED-ADDRESS value: reserved byte, family (1 = IPv4, 2 = IPv6), port, address
    /// (RFC 8489 §14.1–§14.2). With `xorWith`, port and address are XORed with cookie and id.
    static func decodeAddress(_ value: ArraySlice<UInt8>, type: UInt16,
                              xorWith transactionID: STUNTransactionID?) throws(STUNParseError) -> TransportAddress {
        var reader = ByteReader(value)
        let familyWord = try reader.stunUInt16(attribute: type)
        let family = UInt8(truncatingIfNeeded: familyWord)
        let addressLength: Int
        switch family {
        case 0x01: addressLength = 4
        case 0x02: addressLength = 16
        default: throw .invalidAttribute(type: type, reason: "unknown address family \(family)")
        }
        guard value.count == 4 + addressLength else {
            throw .invalidAttribute(type: type, reason: "length \(value.count) for family \(family)")
        }
        var port = try reader.stunUInt16(attribute: type)
        var ip = Array(try reader.stunBytes(addressLength, attribute: type))
        if let transactionID {
            port ^= UInt16(truncatingIfNeeded: STUNFraming.magicCookie >> 16)
            STUNAttribute.applyAddressXOR(&ip, transactionID: transactionID)
        }
        guard let address = TransportAddress(ip: ip, port: port) else {
            throw .invalidAttribute(type: type, reason: "address length \(ip.count)")
        }
        return address
    }

    /// XORs an address with the magic cookie, then (IPv6) the transaction id (RFC 8489 §14.2).
    static func applyAddressXOR(_ ip: inout [UInt8], transactionID: STUNTransactionID) {
        for i in ip.indices { ip[i] ^= addressXORKey(at: i, transactionID: transactionID) }
    }

    /// Byte `index` of magic cookie ‖ transaction id, the XOR key of XOR-MAPPED-ADDRESS.
    @inline(__always)
    static func addressXORKey(at index: Int, transactionID: STUNTransactionID) -> UInt8 {
        if index < 4 { return UInt8(truncatingIfNeeded: STUNFraming.magicCookie >> (24 - 8 * index)) }
        if index < 8 { return UInt8(truncatingIfNeeded: transactionID.high >> (24 - 8 * (index - 4))) }
        return UInt8(truncatingIfNeeded: transactionID.low >> (56 - 8 * ((index - 8) & 7)))
    }

    /// ERROR-CODE value: 21 reserved bits, class (3 bits, 3–6), number (8 bits, 0–99), reason.
    private static func decodeErrorCode(_ value: ArraySlice<UInt8>, type: UInt16) throws(STUNParseError) -> STUNErrorCode {
        var reader = ByteReader(value)
        let word = try reader.stunUInt32(attribute: type)
        let errorClass = UInt16((word >> 8) & 0x7)
        let number = UInt16(word & 0xff)
        guard number < 100 else { throw .invalidAttribute(type: type, reason: "error number \(number) > 99") }
        let reason = try decodeText(reader.rest, type: type)
        guard let code = STUNErrorCode(code: errorClass * 100 + number, reason: reason) else {
            throw .invalidAttribute(type: type, reason: "error class \(errorClass) outside 3–6")
        }
        return code
    }
}
