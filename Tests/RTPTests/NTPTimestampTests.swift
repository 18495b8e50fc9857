import Testing
@testable import RTP

@Suite struct NTPTimestampTests {
    @Test func convertsFromUnixSeconds() {
        let epoch = NTPTimestamp(unixSeconds: 0)
        #expect(epoch.seconds == 2_208_988_800)
        #expect(epoch.fraction == 0)
        let half = NTPTimestamp(unixSeconds: 1_700_000_000.5)
        #expect(half.seconds == 3_908_988_800)
        #expect(half.fraction == 0x8000_0000)
        #expect(half.rawValue == 0xE8FE_6F80_8000_0000)
        #expect(half.unixSeconds == 1_700_000_000.5)
    }

    @Test func middleThirtyTwoBits() {
        // RFC 3550 §4: low 16 bits of seconds, high 16 bits of fraction.
        let ntp = NTPTimestamp(rawValue: 0xDA8B_D1FC_DDDD_A05A)
        #expect(ntp.seconds == 0xDA8B_D1FC)
        #expect(ntp.fraction == 0xDDDD_A05A)
        #expect(ntp.middle32 == 0xD1FC_DDDD)
    }

    @Test func handlesOddInput() {
        #expect(NTPTimestamp(unixSeconds: -5) == NTPTimestamp(seconds: 2_208_988_800, fraction: 0))
        #expect(NTPTimestamp(unixSeconds: .nan) == NTPTimestamp(seconds: 2_208_988_800, fraction: 0))
        // A fraction that rounds up to a whole second carries into seconds.
        #expect(NTPTimestamp(unixSeconds: 0.999_999_999_99) == NTPTimestamp(seconds: 2_208_988_801, fraction: 0))
        #expect(NTPTimestamp(seconds: 1, fraction: 0) < NTPTimestamp(seconds: 1, fraction: 1))
    }
}
