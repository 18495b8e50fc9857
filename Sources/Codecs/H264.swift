import RTCBase

/// H.264 bitstream facts used by the RTP payload format (RFC 6184) and the Annex-B reader.
public enum H264 {
    /// NAL unit types (ITU-T H.264 Table 7-1) and RTP packet types (RFC 6184 §5.2).
    public enum NALType {
        public static let nonIDRSlice: UInt8 = 1
        public static let idrSlice: UInt8 = 5
        public static let sei: UInt8 = 6
        public static let sps: UInt8 = 7
        public static let pps: UInt8 = 8
        public static let accessUnitDelimiter: UInt8 = 9
        public static let endOfSequence: UInt8 = 10
        public static let endOfStream: UInt8 = 11
        public static let filler: UInt8 = 12
        /// Single-time aggregation packet (RFC 6184 §5.7.1).
        public static let stapA: UInt8 = 24
        public static let stapB: UInt8 = 25
        public static let mtap16: UInt8 = 26
        public static let mtap24: UInt8 = 27
        /// Fragmentation unit (RFC 6184 §5.8).
        public static let fuA: UInt8 = 28
        public static let fuB: UInt8 = 29
    }

    /// The `nal_unit_type` of a NAL header byte (its low five bits).
    @inlinable
    public static func nalType(_ headerByte: UInt8) -> UInt8 { headerByte & 0x1f }

    /// True for coded slice NAL units (types 1...5).
    @inlinable
    public static func isVCL(_ type: UInt8) -> Bool { type >= 1 && type <= 5 }

    /// Cheap check for pass-through forwarding: does this RTP payload (RFC 6184) carry an SPS or
    /// start an IDR slice? Looks at single NAL units, every NAL of a STAP-A, and the first fragment
    /// of an FU-A. Never traps on short or malformed input.
    public static func isKeyframePacket(payload: ArraySlice<UInt8>) -> Bool {
        guard let first = payload.first else { return false }
        let type = nalType(first)
        switch type {
        case NALType.idrSlice, NALType.sps:
            return true
        case NALType.stapA:
            var index = payload.startIndex + 1
            while index + 2 < payload.endIndex {
                let size = Int(payload[index]) << 8 | Int(payload[index + 1])
                let nalIndex = index + 2
                guard size > 0, size <= payload.endIndex - nalIndex else { return false }
                let inner = nalType(payload[nalIndex])
                if inner == NALType.idrSlice || inner == NALType.sps { return true }
                index = nalIndex + size
            }
            return false
        case NALType.fuA:
            guard payload.count >= 2 else { return false }
            let header = payload[payload.startIndex + 1]
            let isStart = header & 0x80 != 0
            let inner = nalType(header)
            return isStart && (inner == NALType.idrSlice || inner == NALType.sps)
        default:
            return false
        }
    }

    /// Decodes the `sprop-parameter-sets` fmtp value (RFC 6184 §8.1): comma-separated base64
    /// NAL units. Entries that are not valid base64 or are empty are skipped.
    public static func parseSpropParameterSets(_ value: String) -> [[UInt8]] {
        value.split(separator: ",").compactMap { entry in
            let decoded = Base64.decode(entry.trimmingSpaces)
            guard let decoded, !decoded.isEmpty else { return nil }
            return decoded
        }
    }

    /// Encodes NAL units as a `sprop-parameter-sets` value (RFC 6184 §8.1).
    public static func spropParameterSets(_ nalUnits: [[UInt8]]) -> String {
        nalUnits.map(Base64.encode).joined(separator: ",")
    }

    /// `profile-level-id` (RFC 6184 §8.1) of an SPS NAL unit: six hex digits of
    /// profile_idc, constraint flags and level_idc; nil when the SPS is shorter than 4 bytes.
    public static func profileLevelID(sps: [UInt8]) -> String? {
        guard sps.count >= 4 else { return nil }
        return sps[1...3].hexString
    }

    /// Removes emulation-prevention bytes (the 0x03 in 0x00 0x00 0x03, ITU-T H.264 §7.4.1),
    /// turning NAL unit payload bytes into RBSP bytes.
    public static func removeEmulationPrevention(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var zeros = 0
        for byte in bytes {
            if zeros >= 2 && byte == 0x03 {
                zeros = 0
                continue
            }
            out.append(byte)
            zeros = byte == 0 ? zeros + 1 : 0
        }
        return out
    }

    /// `first_mb_in_slice` of a coded slice NAL unit (header byte included), or nil when the NAL
    /// is not a slice or is too short. Zero marks the first slice of a picture.
    public static func firstMBInSlice(_ nalUnit: ArraySlice<UInt8>) -> UInt32? {
        guard let header = nalUnit.first, isVCL(nalType(header)) else { return nil }
        // ue(v) of at most 32 bits fits in 9 bytes even with emulation prevention.
        let prefix = nalUnit.dropFirst().prefix(9)
        var reader = RBSPBitReader(removeEmulationPrevention(prefix))
        return try? reader.readUE("first_mb_in_slice")
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
