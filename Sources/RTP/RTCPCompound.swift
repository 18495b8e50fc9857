/// Compound RTCP datagrams (RFC 3550 §6.1), including reduced-size RTCP (RFC 5506 §3: a
/// datagram need not start with SR/RR, e.g. a lone PLI).
public enum RTCPCompound {
    /// Splits a datagram into packets and decodes each. Unknown packet types and feedback
    /// formats come back as `.unknown`. Padding (P bit) is honoured on any packet, not only the
    /// last. Throws on a bad version, a length field past the end, bad padding, a truncated
    /// body, or a count above `limits`.
    public static func parse(_ bytes: ArraySlice<UInt8>, limits: RTCPLimits = .init()) throws(RTCPParseError) -> [RTCPPacket] {
        guard !bytes.isEmpty else { throw .truncated }
        var packets: [RTCPPacket] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            guard packets.count < limits.maxPacketsPerCompound else {
                throw .limitExceeded(.packetsPerCompound, cap: limits.maxPacketsPerCompound)
            }
            let available = bytes.endIndex - index
            guard available >= 4 else { throw .truncated }
            let first = bytes[index]
            guard first >> 6 == 2 else { throw .badVersion(first >> 6) }
            let packetType = bytes[index + 1]
            let words = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            let length = (words + 1) * 4
            guard length <= available else { throw .lengthPastEnd(declared: length, available: available) }
            var bodyEnd = index + length
            if first & 0x20 != 0 {
                let padding = Int(bytes[bodyEnd - 1])
                guard padding > 0, padding <= length - 4 else { throw .badPadding }
                bodyEnd -= padding
            }
            packets.append(try RTCPPacket.parse(count: first & 0x1F, packetType: packetType,
                                                body: bytes[(index + 4)..<bodyEnd], limits: limits))
            index += length
        }
        return packets
    }

    /// Convenience for a whole array.
    public static func parse(_ bytes: [UInt8], limits: RTCPLimits = .init()) throws(RTCPParseError) -> [RTCPPacket] {
        try parse(bytes[...], limits: limits)
    }

    /// Concatenates the packets into one datagram. Lists longer than a 5-bit count allows are
    /// split over extra packets; anything too long for the 16-bit length field is left out.
    public static func serialize(_ packets: [RTCPPacket]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(packets.count * 64)
        for packet in packets { packet.write(into: &out) }
        return out
    }
}
