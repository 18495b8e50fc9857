import RTCBase
/// H.265/HEVC RTP payload facts (RFC 7798) and NAL unit header fields (ITU-T H.265 §7.3.1.2).
public enum H265 {
    /// `nal_unit_type` of a two-byte NAL unit header (RFC 7798 §1.1.4).
    @inlinable
    public static func nalType(_ firstHeaderByte: UInt8) -> UInt8 { (firstHeaderByte >> 1) & 0x3f }

    /// Aggregation packet type (RFC 7798 §4.4.2).
    public static let aggregationPacket: UInt8 = 48
    /// Fragmentation unit type (RFC 7798 §4.4.3).
    public static let fragmentationUnit: UInt8 = 49
    /// PACI packet type (RFC 7798 §4.4.4), not supported by the depacketizer.
    public static let paciPacket: UInt8 = 50
    public static let vps: UInt8 = 32
    public static let sps: UInt8 = 33
    public static let pps: UInt8 = 34
    public static let accessUnitDelimiter: UInt8 = 35
    public static let prefixSEI: UInt8 = 39

    /// IRAP pictures (BLA, IDR, CRA: types 16...21) and VPS/SPS start a decodable point.
    @inlinable
    public static func isKeyframeNALType(_ type: UInt8) -> Bool {
        isIRAP(type) || type == vps || type == sps
    }

    /// Intra random access point slices: BLA_W_LP ... CRA_NUT (ITU-T H.265 Table 7-1).
    @inlinable
    public static func isIRAP(_ type: UInt8) -> Bool { (16...21).contains(type) }

    /// Coded slice segment NAL units (types 0...31).
    @inlinable
    public static func isVCL(_ type: UInt8) -> Bool { type < 32 }

    /// True for VPS, SPS and PPS NAL types.
    @inlinable
    public static func isParameterSet(_ type: UInt8) -> Bool { type >= vps && type <= pps }

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

    /// Parameter sets from the SDP fmtp `sprop-vps`, `sprop-sps` and `sprop-pps` parameters
    /// (RFC 7798 §7.1): comma-separated base64 NAL units, returned VPS first, then SPS, then PPS.
    /// Entries that are not valid base64 or are shorter than a NAL header are skipped.
    public static func parameterSets(fromFmtp fmtp: [String: String]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        for key in ["sprop-vps", "sprop-sps", "sprop-pps"] {
            guard let value = fmtp.first(where: { $0.key.lowercased() == key })?.value else { continue }
            for entry in value.split(separator: ",") {
                guard let decoded = Base64.decode(entry.trimmingSpaces), decoded.count >= 2 else { continue }
                out.append(decoded)
            }
        }
        return out
    }

    /// `first_slice_segment_in_pic_flag` (ITU-T H.265 §7.3.6.1, the first bit after the NAL
    /// header) of a coded slice segment, or nil when the NAL unit is not VCL or too short.
    public static func isFirstSliceSegment(_ nalUnit: ArraySlice<UInt8>) -> Bool? {
        guard nalUnit.count >= 3, isVCL(nalType(nalUnit[nalUnit.startIndex])) else { return nil }
        return nalUnit[nalUnit.startIndex + 2] & 0x80 != 0
    }
}
