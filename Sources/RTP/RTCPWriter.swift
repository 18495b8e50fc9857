/// Shared framing for RTCP serialization: the common header of RFC 3550 §6.4.1
/// (V=2, P, 5-bit count/format, packet type, length in 32-bit words minus one).
enum RTCPWriter {
    /// Largest value of the 5-bit count field.
    static let maxCount = 31

    /// Appends a header with a placeholder length; returns where the packet starts.
    static func beginPacket(_ out: inout [UInt8], count: UInt8, packetType: UInt8) -> Int {
        let start = out.count
        out.append(0x80 | (count & 0x1F))
        out.append(packetType)
        out.append(0)
        out.append(0)
        return start
    }

    /// Appends an 8-bit length and the UTF-8 text (SDES items, BYE reason; RFC 3550 §6.5, §6.6),
    /// cut to the longest whole-scalar prefix that fits 255 bytes so the wire text stays UTF-8.
    static func appendText(_ text: String, to out: inout [UInt8]) {
        var length = 0
        for scalar in text.unicodeScalars {
            let size = UTF8.width(scalar)
            guard length + size <= 255 else { break }
            length += size
        }
        out.append(UInt8(length))
        out.append(contentsOf: text.utf8.prefix(length))
    }

    /// Pads the packet to a 32-bit boundary and fills in its length. With `paddingBit`, the pad is
    /// RFC 3550 padding (P bit set, last octet = pad count); otherwise zero bytes. A packet too
    /// long for the 16-bit length field is removed again.
    static func finishPacket(_ out: inout [UInt8], start: Int, paddingBit: Bool = false) {
        let pad = (4 - (out.count - start) % 4) % 4
        if pad > 0 {
            out.append(contentsOf: repeatElement(0, count: pad))
            if paddingBit {
                out[out.count - 1] = UInt8(pad)
                out[start] |= 0x20
            }
        }
        guard let words = UInt16(exactly: (out.count - start) / 4 - 1) else {
            out.removeSubrange(start...)
            return
        }
        out[start + 2] = UInt8(words >> 8)
        out[start + 3] = UInt8(words & 0xFF)
    }
}
