import Testing
import SDP

/// profile-level-id decoding against RFC 6184 §8.1 Table 5.
@Suite("H264ProfileLevelID (RFC 6184 §8.1)")
struct H264ProfileLevelIDTests {
    @Test("Table 5 rows", arguments: [
        ("42e01f", H264Profile.constrainedBaseline, UInt8(0x1F)),  // 42, x1xx0000
        ("42f00b", .constrainedBaseline, 0x0B),
        ("4d801f", .constrainedBaseline, 0x1F),                    // 4D, 1xxx0000
        ("58c01e", .constrainedBaseline, 0x1E),                    // 58, 11xx0000
        ("42001f", .baseline, 0x1F),                               // 42, x0xx0000
        ("42A01F", .baseline, 0x1F),
        ("58801f", .baseline, 0x1F),                               // 58, 10xx0000
        ("4d001f", .main, 0x1F),                                   // 4D, 0x0x0000
        ("4d5028", .main, 0x28),
        ("58001f", .extended, 0x1F),                               // 58, 00xx0000
        ("64001f", .high, 0x1F),
        ("640c1f", .constrainedHigh, 0x1F),
        ("6e001f", .high10, 0x1F),
        ("7a001f", .high422, 0x1F),
        ("f4001f", .high444, 0x1F),
        ("6e101f", .high10Intra, 0x1F),
        ("7a101f", .high422Intra, 0x1F),
        ("f4101f", .high444Intra, 0x1F),
        ("2c101f", .cavlc444Intra, 0x1F),
    ])
    func tableRows(hex: String, profile: H264Profile, level: UInt8) {
        #expect(H264ProfileLevelID(hex: hex) == H264ProfileLevelID(profile: profile, levelIDC: level))
    }

    @Test("invalid values", arguments: ["42e01", "42e01f0", "zz001f", "+2e01f", "42 01f", "ff001f", "4d011f", "64101f", ""])
    func invalid(hex: String) {
        #expect(H264ProfileLevelID(hex: hex) == nil)
    }
}
