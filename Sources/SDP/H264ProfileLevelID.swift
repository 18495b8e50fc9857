/// H.264 profiles distinguishable from `profile-level-id` (RFC 6184 §8.1, Table 5), plus
/// Constrained High (`profile_idc` 100 with constraint_set4 and constraint_set5, as WebRTC uses it).
public enum H264Profile: Sendable, Hashable, CaseIterable {
    case constrainedBaseline, baseline, main, extended, high, constrainedHigh
    case high10, high422, high444, high10Intra, high422Intra, high444Intra, cavlc444Intra
}

/// The `profile-level-id` fmtp parameter: `profile_idc`, `profile-iop` (constraint flags) and
/// `level_idc` as three hex bytes (RFC 6184 §8.1).
public struct H264ProfileLevelID: Sendable, Hashable {
    public var profile: H264Profile
    public var levelIDC: UInt8

    /// The value used when `profile-level-id` is absent: Baseline, level 1 (RFC 6184 §8.1).
    public static let defaultValue = H264ProfileLevelID(profile: .baseline, levelIDC: 10)

    public init(profile: H264Profile, levelIDC: UInt8) {
        self.profile = profile
        self.levelIDC = levelIDC
    }

    /// Parses six hex digits such as `42e01f`; nil when malformed or not a profile of Table 5.
    public init?(hex: String) {
        let isHexDigit: (UInt8) -> Bool = { byte in
            (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
        }
        guard hex.utf8.count == 6, hex.utf8.allSatisfy(isHexDigit), let value = UInt32(hex, radix: 16) else {
            return nil
        }
        let profileIDC = UInt8(truncatingIfNeeded: value >> 16)
        let profileIOP = UInt8(truncatingIfNeeded: value >> 8)
        guard let profile = Self.profile(idc: profileIDC, iop: profileIOP) else { return nil }
        self.init(profile: profile, levelIDC: UInt8(truncatingIfNeeded: value))
    }

    /// One row of Table 5: `profile_idc` and a `profile-iop` bit pattern where `mask` selects the
    /// bits that must equal `bits` (the "x" positions of the table are outside the mask).
    private struct Pattern {
        var idc: UInt8
        var mask: UInt8
        var bits: UInt8
        var profile: H264Profile
    }

    private static let patterns: [Pattern] = [
        Pattern(idc: 0x42, mask: 0x4F, bits: 0x40, profile: .constrainedBaseline),  // x1xx0000
        Pattern(idc: 0x4D, mask: 0x8F, bits: 0x80, profile: .constrainedBaseline),  // 1xxx0000
        Pattern(idc: 0x58, mask: 0xCF, bits: 0xC0, profile: .constrainedBaseline),  // 11xx0000
        Pattern(idc: 0x42, mask: 0x4F, bits: 0x00, profile: .baseline),             // x0xx0000
        Pattern(idc: 0x58, mask: 0xCF, bits: 0x80, profile: .baseline),             // 10xx0000
        Pattern(idc: 0x4D, mask: 0xAF, bits: 0x00, profile: .main),                 // 0x0x0000
        Pattern(idc: 0x58, mask: 0xCF, bits: 0x00, profile: .extended),             // 00xx0000
        Pattern(idc: 0x64, mask: 0xFF, bits: 0x00, profile: .high),
        Pattern(idc: 0x64, mask: 0xFF, bits: 0x0C, profile: .constrainedHigh),
        Pattern(idc: 0x6E, mask: 0xFF, bits: 0x00, profile: .high10),
        Pattern(idc: 0x7A, mask: 0xFF, bits: 0x00, profile: .high422),
        Pattern(idc: 0xF4, mask: 0xFF, bits: 0x00, profile: .high444),
        Pattern(idc: 0x6E, mask: 0xFF, bits: 0x10, profile: .high10Intra),
        Pattern(idc: 0x7A, mask: 0xFF, bits: 0x10, profile: .high422Intra),
        Pattern(idc: 0xF4, mask: 0xFF, bits: 0x10, profile: .high444Intra),
        Pattern(idc: 0x2C, mask: 0xFF, bits: 0x10, profile: .cavlc444Intra),
    ]

    static func profile(idc: UInt8, iop: UInt8) -> H264Profile? {
        patterns.first { $0.idc == idc && iop & $0.mask == $0.bits }?.profile
    }

    /// The profile-level-id of an H.264 fmtp parameter set (the RFC default when absent).
    static func of(_ fmtp: [String: String]) -> H264ProfileLevelID? {
        guard let hex = fmtp["profile-level-id"] else { return defaultValue }
        return H264ProfileLevelID(hex: hex)
    }
}
