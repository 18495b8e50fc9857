import RTCBase
import Testing
@testable import RTP

@Suite struct NACKGeneratorTests {
    static let start = Instant(nanoseconds: 1_000_000_000)

    /// Drains `poll` until `.timeout`, returning everything before it and the timeout.
    static func drain(_ generator: inout NACKGenerator, now: Instant) -> (outputs: [NACKGenerator.Output], timeout: Instant) {
        var outputs: [NACKGenerator.Output] = []
        while true {
            let output = generator.poll(now: now)
            if case .timeout(let deadline) = output { return (outputs, deadline) }
            outputs.append(output)
        }
    }

    @Test func idleGeneratorTimesOutFarAway() {
        var generator = NACKGenerator()
        generator.handle(sequenceNumber: 1, at: Self.start)
        generator.handle(sequenceNumber: 2, at: Self.start)
        #expect(Self.drain(&generator, now: Self.start) == ([], .distantFuture))
        #expect(generator.nextDeadline == nil)
    }

    @Test func nacksGapThenRetriesAfterRTT() {
        var generator = NACKGenerator()
        generator.handle(sequenceNumber: 10, at: Self.start)
        generator.handle(sequenceNumber: 13, at: Self.start)
        #expect(generator.missingCount == 2)
        let first = Self.drain(&generator, now: Self.start)
        #expect(first.outputs == [.nack([11, 12])])
        #expect(first.timeout == Self.start + .milliseconds(100))  // initial RTT estimate
        // Nothing new before the RTT has passed.
        #expect(Self.drain(&generator, now: Self.start + .milliseconds(99)).outputs == [])
        generator.handle(sequenceNumber: 11, at: Self.start + .milliseconds(50))  // retransmission arrives
        #expect(Self.drain(&generator, now: Self.start + .milliseconds(100)).outputs == [.nack([12])])
    }

    /// `handle` says whether a packet was needed: new, or filling a tracked gap; a duplicate or a
    /// packet from before the tracked gaps was not (an RTX probe resending old payload).
    @Test func handleTellsWhetherThePacketWasNeeded() {
        var generator = NACKGenerator()
        // 10, 13 (gap 11-12), 12 fills, 12 and 13 again are duplicates, 9 predates everything, 11 fills.
        let needed = [UInt16(10), 13, 12, 12, 13, 9, 11].map { generator.handle(sequenceNumber: $0, at: Self.start) }
        #expect(needed == [true, true, true, false, false, false, true])
        #expect(generator.missingCount == 0)
    }

    @Test func spacingFollowsRoundTripTimeWithFloor() {
        var generator = NACKGenerator()
        generator.updateRoundTripTime(.milliseconds(5))
        generator.handle(sequenceNumber: 1, at: Self.start)
        generator.handle(sequenceNumber: 3, at: Self.start)
        _ = Self.drain(&generator, now: Self.start)
        #expect(generator.nextDeadline == Self.start + .milliseconds(20))  // minimumRetryInterval floor
        generator.updateRoundTripTime(.milliseconds(300))
        #expect(generator.nextDeadline == Self.start + .milliseconds(300))
    }

    @Test func givesUpAfterMaxRetries() {
        var configuration = NACKGenerator.Configuration()
        configuration.maxRetries = 3
        var generator = NACKGenerator(configuration: configuration)
        generator.handle(sequenceNumber: 1, at: Self.start)
        generator.handle(sequenceNumber: 3, at: Self.start)
        var sent = 0
        var now = Self.start
        for _ in 0..<10 {
            sent += Self.drain(&generator, now: now).outputs.count
            now = now + .milliseconds(100)
        }
        #expect(sent == 3)
        #expect(generator.missingCount == 0)
    }

    @Test func initialDelayAllowsReordering() {
        var configuration = NACKGenerator.Configuration()
        configuration.initialDelay = .milliseconds(10)
        var generator = NACKGenerator(configuration: configuration)
        generator.handle(sequenceNumber: 1, at: Self.start)
        generator.handle(sequenceNumber: 3, at: Self.start)
        #expect(Self.drain(&generator, now: Self.start) == ([], Self.start + .milliseconds(10)))
        generator.handle(sequenceNumber: 2, at: Self.start + .milliseconds(3))  // just reordered
        #expect(Self.drain(&generator, now: Self.start + .milliseconds(10)) == ([], .distantFuture))
    }

    @Test func handlesWrap() {
        var generator = NACKGenerator()
        generator.handle(sequenceNumber: 65534, at: Self.start)
        generator.handle(sequenceNumber: 1, at: Self.start)
        #expect(Self.drain(&generator, now: Self.start).outputs == [.nack([65535, 0])])
    }

    @Test func missingCapAtLimitAndOnePast() {
        var configuration = NACKGenerator.Configuration()
        configuration.maxMissing = 5
        var generator = NACKGenerator(configuration: configuration)
        generator.handle(sequenceNumber: 0, at: Self.start)
        generator.handle(sequenceNumber: 6, at: Self.start)  // 5 missing: at the cap
        #expect(generator.missingCount == 5)
        #expect(Self.drain(&generator, now: Self.start).outputs == [.nack([1, 2, 3, 4, 5])])
        generator.handle(sequenceNumber: 8, at: Self.start)  // one more: past the cap
        #expect(generator.missingCount == 0)
        #expect(Self.drain(&generator, now: Self.start).outputs == [.keyframeNeeded])
    }

    @Test func oldEntriesAgeOut() {
        var configuration = NACKGenerator.Configuration()
        configuration.maxPacketAge = 10
        var generator = NACKGenerator(configuration: configuration)
        generator.handle(sequenceNumber: 0, at: Self.start)
        generator.handle(sequenceNumber: 2, at: Self.start)  // 1 missing
        generator.handle(sequenceNumber: 11, at: Self.start)  // 3...10 missing, 1 still within age 10
        #expect(generator.missingCount == 9)
        generator.handle(sequenceNumber: 12, at: Self.start)  // 1 is now 11 behind: dropped
        #expect(generator.missingCount == 8)
        // A jump beyond the age window resets and asks for a keyframe.
        generator.handle(sequenceNumber: 40, at: Self.start)
        #expect(generator.missingCount == 0)
        #expect(Self.drain(&generator, now: Self.start).outputs == [.keyframeNeeded])
    }

    @Test func duplicatesAndStalePacketsAreHarmless() {
        var generator = NACKGenerator()
        generator.handle(sequenceNumber: 100, at: Self.start)
        generator.handle(sequenceNumber: 100, at: Self.start)
        generator.handle(sequenceNumber: 50, at: Self.start)
        generator.handle(sequenceNumber: 101, at: Self.start)
        #expect(generator.missingCount == 0)
    }
}
