import RTCBase
import Testing
@testable import RTP

/// The receive side of transport-wide cc: recorded arrivals come back out of the existing parser
/// with the same sequence numbers and arrival times (on the 250 µs grid).
@Suite struct TransportWideFeedbackGeneratorTests {
    static let start = Instant(nanoseconds: 10_000_300_000)   // 10.0003 s: not on a 64 ms boundary

    static func at(_ milliseconds: Double) -> Instant {
        Instant(nanoseconds: start.nanoseconds + UInt64(milliseconds * 1_000_000))
    }

    /// Serializes the feedback as one compound, parses it back and rebuilds arrival times:
    /// sequence number → arrival in µs (nil: reported lost).
    static func decode(_ feedback: [RTCPTransportWideFeedback]) throws -> [(UInt16, Int64?)] {
        let parsed = try RTCPCompound.parse(RTCPCompound.serialize(feedback.map { .transportWideFeedback($0) }))
        #expect(parsed.count == feedback.count)
        var result: [(UInt16, Int64?)] = []
        for case .transportWideFeedback(let packet) in parsed {
            var time = packet.referenceTimeMicroseconds
            for status in packet.packets {
                if let delta = status.deltaMicroseconds {
                    time += delta
                    result.append((status.sequenceNumber, time))
                } else {
                    result.append((status.sequenceNumber, nil))
                }
            }
        }
        return result
    }

    /// The arrival the feedback should carry for `instant`: µs, floored to 250 µs.
    static func grid(_ instant: Instant) -> Int64 { Int64(instant.nanoseconds / 250_000) * 250 }

    static func build(_ generator: inout TransportWideFeedbackGenerator, now: Instant = at(1000)) -> [RTCPTransportWideFeedback] {
        generator.makeFeedback(senderSSRC: 1, mediaSSRC: 2, now: now)
    }

    @Test func inOrderPacketsRoundTrip() throws {
        var generator = TransportWideFeedbackGenerator()
        var expected: [(UInt16, Int64?)] = []
        for index in 0..<100 {
            let arrival = Self.at(Double(index) * 1.3)
            generator.record(sequenceNumber: UInt16(500 + index), arrival: arrival)
            expected.append((UInt16(500 + index), Self.grid(arrival)))
        }
        let feedback = Self.build(&generator)
        #expect(feedback.count == 1)
        #expect(feedback[0].baseSequenceNumber == 500 && feedback[0].feedbackCount == 0)
        #expect(feedback[0].referenceTime == UInt32(Self.start.nanoseconds / 64_000_000))
        let decoded = try Self.decode(feedback)
        #expect(decoded.map(\.0) == expected.map(\.0))
        #expect(decoded.map(\.1) == expected.map(\.1))
        #expect(generator.counters.packetsRecorded == 100 && generator.counters.feedbackPacketsBuilt == 1)
        // Nothing new: no feedback; the next one continues the count.
        #expect(Self.build(&generator).isEmpty)
        generator.record(sequenceNumber: 600, arrival: Self.at(200))
        let next = Self.build(&generator)
        #expect(next.map(\.feedbackCount) == [1])
        #expect(next.first?.baseSequenceNumber == 600)
    }

    @Test func packetsLostAtAFeedbackBoundaryOpenTheNextFeedback() throws {
        var generator = TransportWideFeedbackGenerator()
        for seq in UInt16(0)..<10 { generator.record(sequenceNumber: seq, arrival: Self.at(Double(seq))) }
        _ = Self.build(&generator)
        generator.record(sequenceNumber: 13, arrival: Self.at(13))   // 10, 11, 12 lost
        let feedback = Self.build(&generator)
        #expect(feedback.first?.baseSequenceNumber == 10)
        let decoded = try Self.decode(feedback)
        #expect(decoded.map(\.0) == [10, 11, 12, 13])
        #expect(decoded.map(\.1) == [nil, nil, nil, Self.grid(Self.at(13))])
    }

    @Test func lossesAreReportedAsNotReceived() throws {
        var generator = TransportWideFeedbackGenerator()
        let lost = Set<UInt16>([5, 6, 20]).union(UInt16(40)...70)
        for seq in UInt16(0)..<80 where !lost.contains(seq) {
            generator.record(sequenceNumber: seq, arrival: Self.at(Double(seq)))
        }
        let decoded = try Self.decode(Self.build(&generator))
        #expect(decoded.count == 80)
        for (seq, arrival) in decoded {
            if lost.contains(seq) { #expect(arrival == nil, "seq \(seq)") } else { #expect(arrival == Self.grid(Self.at(Double(seq)))) }
        }
    }

    @Test func reorderedArrivalsAreSortedAndKeepTheirTimes() throws {
        var generator = TransportWideFeedbackGenerator()
        let order: [UInt16] = [0, 2, 1, 3, 6, 4, 5, 7]
        var arrivals: [UInt16: Int64] = [:]
        for (index, seq) in order.enumerated() {
            let arrival = Self.at(Double(index) * 2)
            generator.record(sequenceNumber: seq, arrival: arrival)
            arrivals[seq] = Self.grid(arrival)
        }
        let decoded = try Self.decode(Self.build(&generator))
        #expect(decoded.map(\.0) == Array(0...7))
        for (seq, arrival) in decoded { #expect(arrival == arrivals[seq]) }   // negative deltas included
    }

    @Test func duplicatesAndLateArrivalsAreCountedNotReported() throws {
        var generator = TransportWideFeedbackGenerator()
        for seq in UInt16(0)..<10 { generator.record(sequenceNumber: seq, arrival: Self.at(Double(seq))) }
        generator.record(sequenceNumber: 3, arrival: Self.at(11))   // duplicate in the same batch
        #expect(try Self.decode(Self.build(&generator)).count == 10)
        #expect(generator.counters.lateArrivals == 1)
        generator.record(sequenceNumber: 5, arrival: Self.at(20))   // reported already
        #expect(Self.build(&generator).isEmpty)
        #expect(generator.counters.lateArrivals == 2)
    }

    @Test func sequenceNumbersWrap() throws {
        var generator = TransportWideFeedbackGenerator()
        for index in 0..<20 {
            generator.record(sequenceNumber: 65_530 &+ UInt16(index), arrival: Self.at(Double(index)))
        }
        let feedback = Self.build(&generator)
        #expect(feedback.count == 1 && feedback[0].baseSequenceNumber == 65_530)
        #expect(try Self.decode(feedback).map(\.0) == (0..<20).map { 65_530 &+ UInt16($0) })
        // Across a feedback boundary too.
        generator.record(sequenceNumber: 14, arrival: Self.at(30))
        #expect(try Self.decode(Self.build(&generator)).map(\.0) == [14])
    }

    @Test func largeDeltasRoundTripAndOutOfRangeDeltasSplit() throws {
        var generator = TransportWideFeedbackGenerator()
        // 0.2 s and -0.1 s between packets: large (16-bit) deltas in one feedback.
        let times = [0.0, 200.0, 100.0, 8000.0]
        for (index, milliseconds) in times.enumerated() {
            generator.record(sequenceNumber: UInt16(index), arrival: Self.at(milliseconds))
        }
        // 9 s later: beyond ±8.19 s of 250 µs ticks, so a second feedback starts.
        generator.record(sequenceNumber: 4, arrival: Self.at(17_000))
        let feedback = Self.build(&generator, now: Self.at(17_001))
        #expect(feedback.count == 2)
        #expect(feedback.map(\.feedbackCount) == [0, 1])
        #expect(feedback.map(\.baseSequenceNumber) == [0, 4])
        let decoded = try Self.decode(feedback)
        #expect(decoded.map(\.0) == [0, 1, 2, 3, 4])
        #expect(decoded.map(\.1) == (times + [17_000]).map { Self.grid(Self.at($0)) })
    }

    @Test func aGapLongerThanOneFeedbackIsSkipped() throws {
        var configuration = TransportWideFeedbackGenerator.Configuration()
        configuration.maxPacketsPerFeedback = 100
        var generator = TransportWideFeedbackGenerator(configuration: configuration)
        for seq in UInt16(0)..<10 { generator.record(sequenceNumber: seq, arrival: Self.at(Double(seq))) }
        for seq in UInt16(1000)..<1010 { generator.record(sequenceNumber: seq, arrival: Self.at(Double(seq) / 10)) }
        let feedback = Self.build(&generator)
        #expect(feedback.map(\.baseSequenceNumber) == [0, 1000])
        #expect(feedback.map { $0.packets.count } == [10, 10])
        #expect(generator.counters.skippedGaps == 1)
    }

    @Test func statusesPerFeedbackAtTheCapAndOnePast() throws {
        var configuration = TransportWideFeedbackGenerator.Configuration()
        configuration.maxPacketsPerFeedback = 64
        for (count, feedbacks) in [(64, 1), (65, 2)] {
            var generator = TransportWideFeedbackGenerator(configuration: configuration)
            for seq in 0..<count { generator.record(sequenceNumber: UInt16(seq), arrival: Self.at(Double(seq))) }
            let feedback = Self.build(&generator)
            #expect(feedback.count == feedbacks)
            #expect(feedback.map { $0.packets.count }.reduce(0, +) == count)
            #expect(try Self.decode(feedback).map(\.0) == (0..<count).map { UInt16($0) })
            #expect(generator.counters.skippedGaps == 0)
        }
        // A lost run inside the range counts towards the statuses.
        var generator = TransportWideFeedbackGenerator(configuration: configuration)
        generator.record(sequenceNumber: 0, arrival: Self.at(0))
        generator.record(sequenceNumber: 64, arrival: Self.at(1))   // 63 lost between: 65 statuses
        let split = Self.build(&generator)
        #expect(split.map(\.baseSequenceNumber) == [0, 1])   // the second opens with the 63 lost
        #expect(split.map { $0.packets.count } == [1, 64])
        #expect(generator.counters.skippedGaps == 0)
    }

    @Test func trackedArrivalsAtTheCapAndOnePast() {
        var configuration = TransportWideFeedbackGenerator.Configuration()
        configuration.maxTrackedPackets = 8
        var generator = TransportWideFeedbackGenerator(configuration: configuration)
        for seq in UInt16(0)..<8 { generator.record(sequenceNumber: seq, arrival: Self.at(Double(seq))) }
        #expect(generator.counters.droppedArrivals == 0)
        generator.record(sequenceNumber: 8, arrival: Self.at(8))
        #expect(generator.counters.droppedArrivals == 1)
        #expect(Self.build(&generator).first?.packets.count == 8)
    }

    @Test func feedbackIsDueAfterTheIntervalOrWhenFull() {
        var configuration = TransportWideFeedbackGenerator.Configuration()
        configuration.interval = .milliseconds(50)
        configuration.maxPacketsPerFeedback = 10
        var generator = TransportWideFeedbackGenerator(configuration: configuration)
        #expect(generator.nextDeadline == nil && !generator.isDue(now: Self.at(1000)))
        generator.record(sequenceNumber: 0, arrival: Self.at(0))
        #expect(generator.nextDeadline == Self.at(50))
        #expect(!generator.isDue(now: Self.at(49)))
        #expect(generator.isDue(now: Self.at(50)))
        _ = Self.build(&generator, now: Self.at(50))
        #expect(generator.nextDeadline == nil)
        // The next one is due an interval after the last feedback, or at once when full.
        generator.record(sequenceNumber: 1, arrival: Self.at(60))
        #expect(generator.nextDeadline == Self.at(100))
        for seq in UInt16(2)..<10 { generator.record(sequenceNumber: seq, arrival: Self.at(61)) }
        #expect(!generator.isDue(now: Self.at(61)))
        generator.record(sequenceNumber: 10, arrival: Self.at(61))
        #expect(generator.isDue(now: Self.at(61)))
        // A packet long after the last feedback is due at once.
        _ = Self.build(&generator, now: Self.at(61))
        generator.record(sequenceNumber: 11, arrival: Self.at(5000))
        #expect(generator.nextDeadline == Self.at(5000))
    }

    @Test func referenceTimeWrapsAt24Bits() throws {
        var generator = TransportWideFeedbackGenerator()
        // 2^24 × 64 ms after zero, plus 3 units.
        let arrival = Instant(nanoseconds: ((1 << 24) + 3) * 64_000_000 + 1_000_000)
        generator.record(sequenceNumber: 9, arrival: arrival)
        let feedback = generator.makeFeedback(senderSSRC: 1, mediaSSRC: 2, now: arrival)
        #expect(feedback.first?.referenceTime == 3)
        #expect(feedback.first?.packets.first?.deltaMicroseconds == 1_000)
    }

    @Test func feedbackCountWraps() {
        var generator = TransportWideFeedbackGenerator()
        var counts: [UInt8] = []
        for seq in 0..<258 {
            generator.record(sequenceNumber: UInt16(seq), arrival: Self.at(Double(seq)))
            counts += Self.build(&generator).map(\.feedbackCount)
        }
        #expect(counts.count == 258 && counts[255] == 255 && counts[256] == 0 && counts[257] == 1)
    }
}
