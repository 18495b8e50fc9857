import RTCBase

extension STUNMessage {
    /// Fast demultiplexing test (RFC 7983 §7): first byte 0–3, at least a header long, and the
    /// magic cookie in place. Says nothing about the rest; parse to be sure.
    @inlinable
    public static func isSTUN(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.count >= 20 else { return false }
        let s = bytes.startIndex
        return bytes[s] < 4 && bytes[s + 4] == 0x21 && bytes[s + 5] == 0x12
            && bytes[s + 6] == 0xa4 && bytes[s + 7] == 0x42
    }

    /// The USERNAME of a well-framed message, found by walking attribute headers only (no
    /// integrity check, nothing else decoded): for routing a datagram to the ICE session that
    /// owns the ufrag before that session verifies it. Nil when absent, malformed or after
    /// MESSAGE-INTEGRITY.
    public static func username(in bytes: ArraySlice<UInt8>, limits: STUNLimits = STUNLimits()) -> String? {
        guard (try? STUNFraming.validateHeader(bytes, maxMessageSize: limits.maxMessageSize)) != nil else { return nil }
        var walker = STUNAttributeWalker(message: bytes, maxAttributes: limits.maxAttributes)
        while let raw = try? walker.next() {
            switch STUNAttributeType(rawValue: raw.type) {
            case .username:
                guard raw.value.count <= limits.maxUsernameLength else { return nil }
                return String(validating: raw.value, as: UTF8.self)
            case .messageIntegrity, .messageIntegritySHA256, .fingerprint:
                return nil
            default:
                continue
            }
        }
        return nil
    }
}
