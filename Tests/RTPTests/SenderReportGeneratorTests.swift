import RTCBase
import Testing
@testable import RTP

@Suite struct SenderReportGeneratorTests {
    @Test func countsAndExtrapolates() {
        var generator = SenderReportGenerator(ssrc: 0x1234, clockRate: 90_000)
        let start = Instant(nanoseconds: 5_000_000_000)
        generator.recordPacket(rtpTimestamp: 1_000, payloadBytes: 1_200, now: start)
        generator.recordPacket(rtpTimestamp: 1_000, payloadBytes: 800, now: start + .milliseconds(2))  // same frame
        generator.recordPacket(rtpTimestamp: 4_000, payloadBytes: 500, now: start + .milliseconds(33))
        #expect(generator.packetCount == 3)
        #expect(generator.octetCount == 2_500)
        let wall = NTPTimestamp(seconds: 3_900_000_000, fraction: 0x4000_0000)
        // 100 ms after the 4000 anchor: + 9000 ticks.
        let report = generator.makeReport(now: start + .milliseconds(133), wallClock: wall)
        #expect(report == RTCPSenderReport(ssrc: 0x1234, ntpTimestamp: wall.rawValue, rtpTimestamp: 13_000,
                                           packetCount: 3, octetCount: 2_500))
    }

    @Test func ignoresOlderTimestampsAndWraps() {
        var generator = SenderReportGenerator(ssrc: 1, clockRate: 48_000)
        let start = Instant(nanoseconds: 1_000_000_000)
        generator.recordPacket(rtpTimestamp: 0xFFFF_FF00, payloadBytes: 10, now: start)
        generator.recordPacket(rtpTimestamp: 0xFFFF_FE00, payloadBytes: 10, now: start + .milliseconds(5))  // reordered
        #expect(generator.anchor?.rtpTimestamp == 0xFFFF_FF00)
        // 10 ms later at 48 kHz = 480 ticks, wrapping past zero.
        #expect(generator.rtpTimestamp(at: start + .milliseconds(10)) == 0xFFFF_FF00 &+ 480)
        // Before the anchor (negative elapsed time) extrapolates backwards.
        #expect(generator.rtpTimestamp(at: start - .milliseconds(1)) == UInt32(0xFFFF_FED0))
    }

    @Test func reportBeforeFirstPacket() {
        let generator = SenderReportGenerator(ssrc: 7, clockRate: 8_000)
        #expect(generator.rtpTimestamp(at: .zero) == nil)
        let report = generator.makeReport(now: .zero, wallClock: NTPTimestamp(rawValue: 1))
        #expect(report.rtpTimestamp == 0)
        #expect(report.packetCount == 0)
    }

    @Test func countersWrapLikeTheWire() {
        var generator = SenderReportGenerator(ssrc: 7, clockRate: 8_000)
        generator.recordPacket(rtpTimestamp: 0, payloadBytes: Int(UInt32.max), now: .zero)
        generator.recordPacket(rtpTimestamp: 0, payloadBytes: 2, now: .zero)
        #expect(generator.octetCount == 1)
    }
}
