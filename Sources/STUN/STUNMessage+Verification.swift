import RTCBase

extension STUNMessage {
    /// The short-term credential key: the password's UTF-8 bytes (RFC 8489 §9.1.1; ICE passwords
    /// are ASCII, so OpaqueString preparation changes nothing).
    public static func shortTermKey(password: String) -> [UInt8] { Array(password.utf8) }

    /// Checks the first MESSAGE-INTEGRITY of a raw message (RFC 8489 §14.5): HMAC-SHA1 with `key`
    /// over every byte before the attribute, with the header length field set as if the message
    /// ended right after MESSAGE-INTEGRITY. False when absent, malformed or not matching.
    public static func verifyMessageIntegrity(_ bytes: ArraySlice<UInt8>, key: [UInt8],
                                              limits: STUNLimits = STUNLimits()) -> Bool {
        guard let integrity = findAttribute(.messageIntegrity, in: bytes, limits: limits),
              integrity.value.count == STUNIntegrity.length else { return false }
        let prefixLength = integrity.start - bytes.startIndex
        guard let adjustedLength = UInt16(exactly: prefixLength - STUNFraming.headerSize + 24) else { return false }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: prefixLength + STUNIntegrity.length) { scratch in
            let prefix = UnsafeMutableBufferPointer(rebasing: scratch[..<prefixLength])
            let mac = UnsafeMutableBufferPointer(rebasing: scratch[prefixLength...])
            _ = prefix.initialize(from: bytes[bytes.startIndex..<integrity.start])
            prefix[2] = UInt8(adjustedLength >> 8)
            prefix[3] = UInt8(adjustedLength & 0xff)
            guard STUNIntegrity.hmacSHA1(key: key, message: UnsafeBufferPointer(prefix), into: mac) else { return false }
            return STUNIntegrity.constantTimeEqual(UnsafeBufferPointer(mac), integrity.value)
        }
    }

    /// Checks FINGERPRINT (RFC 8489 §14.7): the last attribute, equal to CRC-32 of the bytes before
    /// it XOR 0x5354554E. False when absent, not last, or wrong.
    public static func verifyFingerprint(_ bytes: ArraySlice<UInt8>, limits: STUNLimits = STUNLimits()) -> Bool {
        guard let fingerprint = findAttribute(.fingerprint, in: bytes, limits: limits),
              fingerprint.value.count == 4,
              fingerprint.value.endIndex == bytes.endIndex else { return false }
        var reader = ByteReader(fingerprint.value)
        guard let received = try? reader.readUInt32() else { return false }
        return received == STUNCRC32.fingerprint(bytes[bytes.startIndex..<fingerprint.start])
    }

    /// The FINGERPRINT value the message bytes `bytes` (header through the last attribute before
    /// FINGERPRINT, length field already counting FINGERPRINT) call for.
    public static func fingerprintValue(of bytes: ArraySlice<UInt8>) -> UInt32 { STUNCRC32.fingerprint(bytes) }

    /// The first attribute of `type` in a well-framed message, nil otherwise.
    static func findAttribute(_ type: STUNAttributeType, in bytes: ArraySlice<UInt8>,
                              limits: STUNLimits) -> STUNRawAttribute? {
        guard (try? STUNFraming.validateHeader(bytes, maxMessageSize: limits.maxMessageSize)) != nil else { return nil }
        var walker = STUNAttributeWalker(message: bytes, maxAttributes: limits.maxAttributes)
        while let raw = try? walker.next() {
            if raw.type == type.rawValue { return raw }
        }
        return nil
    }
}
