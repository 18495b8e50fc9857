/// H.265/HEVC RTP payload facts (RFC 7798), enough for pass-through forwarding.
public enum H265 {
    /// `nal_unit_type` of a two-byte NAL unit header (RFC 7798 §1.1.4).
    @inlinable
    public static func nalType(_ firstHeaderByte: UInt8) -> UInt8 { (firstHeaderByte >> 1) & 0x3f }

    public static let aggregationPacket: UInt8 = 48
    public static let fragmentationUnit: UInt8 = 49
    public static let vps: UInt8 = 32
    public static let sps: UInt8 = 33

    /// IRAP pictures (BLA, IDR, CRA: types 16...21) and VPS/SPS start a decodable point.
    @inlinable
    public static func isKeyframeNALType(_ type: UInt8) -> Bool {
        (16...21).contains(type) || type == vps || type == sps
    }

    /// Cheap check: does this RTP payload carry a VPS/SPS or start an IRAP picture? Looks at
    /// single NAL units, the first unit of an aggregation packet (§4.4.2, without DONL) and the
    /// first fragment of an FU (§4.4.3).
    public static func isKeyframePacket(_ payload: ArraySlice<UInt8>) -> Bool {
        guard payload.count >= 3 else { return false }
        let s = payload.startIndex
        let type = nalType(payload[s])
        switch type {
        case aggregationPacket:
            guard payload.count >= 5 else { return false }
            return isKeyframeNALType(nalType(payload[s + 4]))
        case fragmentationUnit:
            let header = payload[s + 2]
            return header & 0x80 != 0 && isKeyframeNALType(header & 0x3f)
        default:
            return isKeyframeNALType(type)
        }
    }
}
