import RTCBase
import RTP
import Testing
@testable import Routing

@Suite struct RTPStreamRewriterTests {
    private func packet(sequenceNumber: UInt16, timestamp: UInt32) -> RTPPacket {
        RTPPacket(payloadType: 96, sequenceNumber: sequenceNumber, timestamp: timestamp, ssrc: 0xDEAD_BEEF,
                  marker: false, payload: [1, 2, 3])
    }

    private func at(milliseconds: Int) -> Instant { Instant(nanoseconds: UInt64(milliseconds) * 1_000_000) }

    @Test func sequenceContinuesByOneAndTimestampsFollowTheSourceAcrossWraparound() {
        var rewriter = RTPStreamRewriter(ssrc: 0xCAFE, initialSequenceNumber: 65_534, initialTimestamp: 0xFFFF_FF00)
        #expect(rewriter.ssrc == 0xCAFE)
        var out: [(UInt16, UInt32)] = []
        // Two packets of one frame, then the next frame 3000 ticks later; a source gap (seq 1002 lost).
        for (seq, ts, ms) in [(UInt16(1000), UInt32(5000), 0), (1001, 5000, 0), (1003, 8000, 33)] {
            let result = rewriter.rewrite(packet(sequenceNumber: seq, timestamp: ts), sourceEpoch: 1,
                                          arrival: at(milliseconds: ms), clockRate: 90_000)
            out.append((result.sequenceNumber, result.timestamp))
        }
        #expect(out.map(\.0) == [65_534, 65_535, 0])
        #expect(out.map(\.1) == [0xFFFF_FF00, 0xFFFF_FF00, 2744])  // 0xFFFFFF00 + 3000 mod 2^32
    }

    @Test func sourceRestartContinuesSequenceAndAdvancesTimestampByTheWallClockGap() {
        var rewriter = RTPStreamRewriter(ssrc: 1, initialSequenceNumber: 100, initialTimestamp: 10_000)
        _ = rewriter.rewrite(packet(sequenceNumber: 7, timestamp: 777_000), sourceEpoch: 1,
                             arrival: at(milliseconds: 1000), clockRate: 90_000)
        let last = rewriter.rewrite(packet(sequenceNumber: 8, timestamp: 780_000), sourceEpoch: 1,
                                    arrival: at(milliseconds: 1033), clockRate: 90_000)
        #expect(last == (101, 13_000))

        // The source comes back 2.5 s later with fresh random sequence numbers and timestamps.
        let first = rewriter.rewrite(packet(sequenceNumber: 40_000, timestamp: 123_456), sourceEpoch: 2,
                                     arrival: at(milliseconds: 3533), clockRate: 90_000)
        #expect(first == (102, 13_000 + 225_000))
        let next = rewriter.rewrite(packet(sequenceNumber: 40_001, timestamp: 126_456), sourceEpoch: 2,
                                    arrival: at(milliseconds: 3566), clockRate: 90_000)
        #expect(next == (103, 13_000 + 225_000 + 3000))
    }

    @Test func restartTimestampWrapsAndNeverRepeats() {
        var rewriter = RTPStreamRewriter(ssrc: 1, initialSequenceNumber: 0xFFFF, initialTimestamp: 0xFFFF_FFF0)
        _ = rewriter.rewrite(packet(sequenceNumber: 1, timestamp: 50), sourceEpoch: 1,
                             arrival: at(milliseconds: 500), clockRate: 48_000)
        // 20 ms at 48 kHz = 960 ticks, wrapping past 2^32.
        let afterGap = rewriter.rewrite(packet(sequenceNumber: 9, timestamp: 9), sourceEpoch: 2,
                                        arrival: at(milliseconds: 520), clockRate: 48_000)
        #expect(afterGap == (0, 0xFFFF_FFF0 &+ 960))
        // A restart with no measurable gap still moves the timestamp by one tick.
        let immediate = rewriter.rewrite(packet(sequenceNumber: 3, timestamp: 3), sourceEpoch: 3,
                                         arrival: at(milliseconds: 520), clockRate: 48_000)
        #expect(immediate == (1, 0xFFFF_FFF0 &+ 961))
    }

    @Test(arguments: [
        (1_500_000_000, 48_000, UInt32(72_000)),
        (20_000_000, 8_000, 160),
        (33_333_333, 90_000, 2_999),
        (1, 90_000, 0),
        (-5_000_000, 90_000, 0),
        (50_000 * 1_000_000_000, 90_000, UInt32(truncatingIfNeeded: 4_500_000_000 as UInt64)),
    ])
    func ticksConvertDurationsAtTheClockRate(nanoseconds: Int64, clockRate: Int, expected: UInt32) {
        #expect(RTPStreamRewriter.ticks(in: .nanoseconds(nanoseconds), clockRate: clockRate) == expected)
    }

    @Test func defaultInitialValuesAreRandom() {
        // Four rewriters agreeing on both SSRC and initial timestamp: a 2^-192 chance.
        let firsts = (0..<4).map { _ -> [UInt32] in
            var rewriter = RTPStreamRewriter()
            let out = rewriter.rewrite(packet(sequenceNumber: 0, timestamp: 0), sourceEpoch: 1, arrival: .zero,
                                       clockRate: 90_000)
            return [rewriter.ssrc, out.timestamp]
        }
        #expect(Set(firsts).count > 1)
    }
}
