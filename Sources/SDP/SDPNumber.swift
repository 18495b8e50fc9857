/// Strict decimal parsing for SDP tokens: ASCII digits only, no sign, no overflow.
enum SDPNumber {
    static func unsigned<T: FixedWidthInteger & UnsignedInteger>(_ text: some StringProtocol, as: T.Type) -> T? {
        guard !text.isEmpty, text.utf8.count <= 20 else { return nil }
        var value: T = 0
        for byte in text.utf8 {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.addingReportingOverflow(T(byte - 0x30))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        return value
    }

    static func integer(_ text: some StringProtocol) -> Int? {
        unsigned(text, as: UInt32.self).map { Int($0) }
    }

    static func port(_ text: some StringProtocol) -> UInt16? {
        unsigned(text, as: UInt16.self)
    }

    /// An RTP payload type, 0...127 (RFC 3550 §5.1).
    static func payloadType(_ text: some StringProtocol) -> UInt8? {
        guard let value = unsigned(text, as: UInt8.self), value <= 127 else { return nil }
        return value
    }
}
