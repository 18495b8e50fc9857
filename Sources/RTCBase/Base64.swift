/// Base64 (RFC 4648 §4: standard alphabet, '=' padding), the one implementation for SDP fmtp
/// values (`sprop-parameter-sets`, `sprop-vps/sps/pps`) and HTTP/RTSP Basic credentials (RFC 7617).
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let b0 = UInt32(bytes[index])
            let b1 = index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0
            let b2 = index + 2 < bytes.count ? UInt32(bytes[index + 2]) : 0
            let group = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(group >> 18 & 0x3f)])
            out.append(alphabet[Int(group >> 12 & 0x3f)])
            out.append(index + 1 < bytes.count ? alphabet[Int(group >> 6 & 0x3f)] : UInt8(ascii: "="))
            out.append(index + 2 < bytes.count ? alphabet[Int(group & 0x3f)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes padded or unpadded base64. Nil on a character outside the alphabet, data after
    /// padding, a dangling sextet (length ≡ 1 mod 4), or more than `maxBytes` decoded bytes.
    public static func decode<Text: StringProtocol>(_ text: Text, maxBytes: Int = 1 << 20) -> [UInt8]? {
        var out: [UInt8] = []
        var accumulator: UInt32 = 0
        var bits = 0
        var sextets = 0
        var sawPadding = false
        for char in text.utf8 {
            if char == UInt8(ascii: "=") { sawPadding = true; continue }
            guard !sawPadding, let value = sextet(char) else { return nil }
            sextets += 1
            accumulator = (accumulator << 6 | UInt32(value)) & 0xffffff
            bits += 6
            if bits >= 8 {
                bits -= 8
                guard out.count < maxBytes else { return nil }
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        guard sextets % 4 != 1 else { return nil }
        return out
    }

    private static func sextet(_ char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): char - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): char - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): char - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
