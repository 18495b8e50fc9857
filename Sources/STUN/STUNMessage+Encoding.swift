import RTCBase

extension STUNMessage {
    /// Serializes the message (RFC 8489 §5–§6, §14).
    ///
    /// Attributes are written in order, verbatim (a `.messageIntegrity` or `.fingerprint` in
    /// `attributes` is copied as is). With `integrityKey`, a fresh MESSAGE-INTEGRITY is appended
    /// (for short-term credentials the key is the password's UTF-8 bytes, RFC 8489 §9.1.1); with
    /// `addFingerprint`, FINGERPRINT comes last. Padding bytes are `paddingByte` (receivers must
    /// ignore them; RFC 5769 uses spaces, so 0x20 reproduces its vectors).
    public func encoded(integrityKey: [UInt8]? = nil, addFingerprint: Bool = false,
                        paddingByte: UInt8 = 0) throws(STUNEncodingError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        out.appendUInt16(type.rawValue & 0x3fff)
        out.appendUInt16(0)
        out.appendUInt32(STUNFraming.magicCookie)
        transactionID.append(to: &out)
        for attribute in attributes {
            try attribute.append(to: &out, transactionID: transactionID, paddingByte: paddingByte)
        }
        if let integrityKey {
            // The length field must already count MESSAGE-INTEGRITY itself (RFC 8489 §14.5).
            try Self.setBodyLength(&out, out.count - STUNFraming.headerSize + 24)
            out.appendUInt16(STUNAttributeType.messageIntegrity.rawValue)
            out.appendUInt16(UInt16(STUNIntegrity.length))
            let macStart = out.count
            out.append(contentsOf: repeatElement(0, count: STUNIntegrity.length))
            let ok = out.withUnsafeMutableBufferPointer { buffer -> Bool in
                let message = UnsafeBufferPointer(rebasing: buffer[..<(macStart - 4)])
                return STUNIntegrity.hmacSHA1(key: integrityKey, message: message,
                                              into: UnsafeMutableBufferPointer(rebasing: buffer[macStart...]))
            }
            guard ok else { throw .integrityUnavailable }
        }
        if addFingerprint {
            try Self.setBodyLength(&out, out.count - STUNFraming.headerSize + 8)
            let value = STUNCRC32.fingerprint(out[...])
            out.appendUInt16(STUNAttributeType.fingerprint.rawValue)
            out.appendUInt16(4)
            out.appendUInt32(value)
        }
        try Self.setBodyLength(&out, out.count - STUNFraming.headerSize)
        return out
    }

    private static func setBodyLength(_ out: inout [UInt8], _ length: Int) throws(STUNEncodingError) {
        guard let value = UInt16(exactly: length) else { throw .messageTooLong(length: length) }
        out[2] = UInt8(value >> 8)
        out[3] = UInt8(value & 0xff)
    }
}

extension STUNAttribute {
    /// Appends type, length, value and padding.
    func append(to out: inout [UInt8], transactionID: STUNTransactionID, paddingByte: UInt8) throws(STUNEncodingError) {
        let headerStart = out.count
        out.appendUInt16(type.rawValue)
        out.appendUInt16(0)
        let valueStart = out.count
        switch self {
        case .mappedAddress(let address):
            Self.appendAddress(address, to: &out, xorWith: nil)
        case .xorMappedAddress(let address), .xorPeerAddress(let address), .xorRelayedAddress(let address):
            Self.appendAddress(address, to: &out, xorWith: transactionID)
        case .username(let text), .software(let text), .realm(let text), .nonce(let text):
            out.append(contentsOf: text.utf8)
        case .messageIntegrity(let bytes), .messageIntegritySHA256(let bytes), .other(_, let bytes), .data(let bytes):
            out.append(contentsOf: bytes)
        case .fingerprint(let value), .priority(let value), .lifetime(let value):
            out.appendUInt32(value)
        case .errorCode(let error):
            out.appendUInt16(0)
            out.append(UInt8(truncatingIfNeeded: error.code / 100))
            out.append(UInt8(truncatingIfNeeded: error.code % 100))
            out.append(contentsOf: error.reason.utf8)
        case .unknownAttributes(let types):
            for type in types { out.appendUInt16(type) }
        case .useCandidate, .dontFragment:
            break
        case .channelNumber(let channel):
            out.appendUInt16(channel)
            out.appendUInt16(0)
        case .requestedTransport(let proto):
            out.append(proto)
            out.append(contentsOf: [0, 0, 0])
        case .iceControlled(let tieBreaker), .iceControlling(let tieBreaker):
            out.appendUInt64(tieBreaker)
        }
        let length = out.count - valueStart
        guard let wireLength = UInt16(exactly: length) else {
            out.removeSubrange(headerStart...)
            throw .attributeTooLong(type: type.rawValue, length: length)
        }
        out[headerStart + 2] = UInt8(wireLength >> 8)
        out[headerStart + 3] = UInt8(wireLength & 0xff)
        out.append(contentsOf: repeatElement(paddingByte, count: STUNFraming.padded(length) - length))
    }

    private static func appendAddress(_ address: TransportAddress, to out: inout [UInt8],
                                      xorWith transactionID: STUNTransactionID?) {
        out.append(0)
        out.append(address.isIPv4 ? 0x01 : 0x02)
        var port = address.port
        guard let transactionID else {
            out.appendUInt16(port)
            out.append(contentsOf: address.ip)
            return
        }
        port ^= UInt16(truncatingIfNeeded: STUNFraming.magicCookie >> 16)
        out.appendUInt16(port)
        for (index, byte) in address.ip.enumerated() {
            out.append(byte ^ addressXORKey(at: index, transactionID: transactionID))
        }
    }
}
