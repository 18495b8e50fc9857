import RTCBase
import Testing
@testable import RTP

@Suite struct ReceiverStatisticsTests {
    static let start = Instant(nanoseconds: 10_000_000_000)

    @Test func countsLossAndFractionPerInterval() {
        var stats = ReceiverStatistics(ssrc: 0xAB, clockRate: 90_000)
        // Packets 100...109 with 103 and 105 missing.
        for seq in UInt16(100)...109 where seq != 103 && seq != 105 {
            stats.handle(sequenceNumber: seq, rtpTimestamp: UInt32(seq) * 3_000, arrival: Self.start + .milliseconds(Int64(seq - 100) * 33))
        }
        let first = stats.makeReceptionReport(now: Self.start + .seconds(1))
        #expect(first.ssrc == 0xAB)
        #expect(first.extendedHighestSequence == 109)
        #expect(first.cumulativeLost == 2)
        #expect(first.fractionLost == UInt8(2 * 256 / 10))  // 51
        // Next interval: 110...119 all received → fraction 0, cumulative unchanged.
        for seq in UInt16(110)...119 { stats.handle(sequenceNumber: seq, rtpTimestamp: UInt32(seq) * 3_000, arrival: Self.start) }
        let second = stats.makeReceptionReport(now: Self.start + .seconds(2))
        #expect(second.fractionLost == 0)
        #expect(second.cumulativeLost == 2)
        // Late arrival of 103 makes the next interval report negative loss → fraction 0.
        stats.handle(sequenceNumber: 103, rtpTimestamp: 309_000, arrival: Self.start)
        let third = stats.makeReceptionReport(now: Self.start + .seconds(3))
        #expect(third.fractionLost == 0)
        #expect(third.cumulativeLost == 1)
    }

    @Test func extendsAcrossWrap() {
        var stats = ReceiverStatistics(ssrc: 1, clockRate: 8_000)
        for seq in [UInt16(65534), 65535, 0, 1] { stats.handle(sequenceNumber: seq, rtpTimestamp: 0, arrival: Self.start) }
        #expect(stats.extendedHighestSequence == 0x1_0001)
        #expect(stats.expectedPackets == 4)
        #expect(stats.cumulativeLost == 0)
    }

    @Test func totalLossInIntervalSaturatesFraction() {
        var stats = ReceiverStatistics(ssrc: 1, clockRate: 8_000)
        stats.handle(sequenceNumber: 1, rtpTimestamp: 0, arrival: Self.start)
        _ = stats.makeReceptionReport(now: Self.start)
        stats.handle(sequenceNumber: 1_001, rtpTimestamp: 0, arrival: Self.start)  // 999 lost, 1 received
        #expect(stats.makeReceptionReport(now: Self.start).fractionLost == 255)
    }

    // RFC 3550 Appendix A.1: a jump beyond MAX_DROPOUT is held until a second sequential packet.
    @Test func largeJumpNeedsConfirmation() {
        var stats = ReceiverStatistics(ssrc: 1, clockRate: 8_000)
        stats.handle(sequenceNumber: 10, rtpTimestamp: 0, arrival: Self.start)
        let jumped = stats.handle(sequenceNumber: 30_000, rtpTimestamp: 0, arrival: Self.start)
        #expect(!jumped)
        #expect(stats.extendedHighestSequence == 10)
        let confirmed = stats.handle(sequenceNumber: 30_001, rtpTimestamp: 0, arrival: Self.start)
        #expect(confirmed)
        #expect(stats.extendedHighestSequence == 30_001)
        #expect(stats.packetsReceived == 1)
        #expect(stats.cumulativeLost == 0)
    }

    @Test func duplicatesMakeLossNegative() {
        var stats = ReceiverStatistics(ssrc: 1, clockRate: 8_000)
        for seq in [UInt16(5), 6, 6, 6] { stats.handle(sequenceNumber: seq, rtpTimestamp: 0, arrival: Self.start) }
        #expect(stats.makeReceptionReport(now: Self.start).cumulativeLost == -2)
    }

    // RFC 3550 Appendix A.8: steady spacing gives zero jitter; one packet 10 ms late at 8 kHz
    // (D = 80 ticks) raises the scaled estimator by 80 → J = 80/16 = 5.
    @Test func interarrivalJitter() {
        var stats = ReceiverStatistics(ssrc: 1, clockRate: 8_000)
        for index in 0..<5 {
            stats.handle(sequenceNumber: UInt16(index), rtpTimestamp: UInt32(index * 160),
                         arrival: Self.start + .milliseconds(Int64(index * 20)))
        }
        #expect(stats.jitter == 0)
        stats.handle(sequenceNumber: 5, rtpTimestamp: 800, arrival: Self.start + .milliseconds(110))
        #expect(stats.jitter == 5)
        // Back on schedule: D = 80 again, J += (80 - 5) / 16 ≈ 4.7 → 9.
        stats.handle(sequenceNumber: 6, rtpTimestamp: 960, arrival: Self.start + .milliseconds(120))
        #expect(stats.jitter == 9)
        #expect(stats.makeReceptionReport(now: Self.start).jitter == 9)
        // Late retransmissions do not move jitter.
        stats.handle(sequenceNumber: 2, rtpTimestamp: 320, arrival: Self.start + .seconds(5))
        #expect(stats.jitter == 9)
    }

    @Test func lastSenderReportAndDelay() {
        var stats = ReceiverStatistics(ssrc: 1, clockRate: 90_000)
        stats.handle(sequenceNumber: 1, rtpTimestamp: 0, arrival: Self.start)
        #expect(stats.makeReceptionReport(now: Self.start).lastSenderReport == 0)
        stats.handleSenderReport(ntpTimestamp: 0xDA8B_D1FC_DDDD_A05A, arrival: Self.start)
        let report = stats.makeReceptionReport(now: Self.start + .milliseconds(1_500))
        #expect(report.lastSenderReport == 0xD1FC_DDDD)
        #expect(report.delaySinceLastSenderReport == 98_304)  // 1.5 × 65536
        // The sender's view: the block arrives 1.54 s after its SR (1.5 s hold + 40 ms path).
        let arrival = NTPTimestamp(rawValue: 0xDA8B_D1FC_DDDD_A05A &+ 0x1_8A3D_70A3)
        let rtt = report.roundTripTime(arrival: arrival)
        #expect(rtt.map { abs($0.nanosecondsClamped - 40_000_000) < 100_000 } == true)
    }
}
