import RTCBase
import Testing
import TestSupport
@testable import RTP

@Suite struct RTPReorderBufferTests {
    static let start = Instant(nanoseconds: 5_000_000_000)

    static func packet(_ sequenceNumber: UInt16) -> RTPPacket {
        RTPPacket(payloadType: 96, sequenceNumber: sequenceNumber, timestamp: UInt32(sequenceNumber) &* 90,
                  ssrc: 0x1234, marker: false, payload: [UInt8(truncatingIfNeeded: sequenceNumber)])
    }

    /// Drains `poll` at `now`: released sequence numbers, NACKed ones, keyframe requests, the timeout.
    struct Drained: Equatable {
        var released: [UInt16] = []
        var nacked: [UInt16] = []
        var keyframes = 0
        var timeout = Instant.distantFuture
    }

    static func drain(_ buffer: inout RTPReorderBuffer, now: Instant) -> Drained {
        var result = Drained()
        for _ in 0..<100_000 {
            switch buffer.poll(now: now) {
            case .release(let packet): result.released.append(packet.sequenceNumber)
            case .nack(let lost): result.nacked += lost
            case .keyframeNeeded: result.keyframes += 1
            case .timeout(let deadline):
                result.timeout = deadline
                return result
            }
        }
        Issue.record("poll did not settle")
        return result
    }

    static func configuration(maxPackets: Int = 512, maxDelay: Duration = .milliseconds(200),
                              nack: Bool = true) -> RTPReorderBuffer.Configuration {
        var configuration = RTPReorderBuffer.Configuration()
        configuration.maxPackets = maxPackets
        configuration.maxDelay = maxDelay
        if !nack { configuration.nack = nil }
        return configuration
    }

    @Test func inOrderPacketsPassAtOnce() {
        var buffer = RTPReorderBuffer()
        var released: [UInt16] = []
        for sequence: UInt16 in 100..<110 {
            buffer.insert(Self.packet(sequence), at: Self.start)
            let drained = Self.drain(&buffer, now: Self.start)
            released += drained.released
            #expect(drained.timeout == .distantFuture)
        }
        #expect(released == Array(100..<110))
        #expect(buffer.counters.released == 10)
        #expect(buffer.counters.heldNanoseconds == 0)
    }

    @Test func reorderedPacketIsPutBackInPlace() {
        var buffer = RTPReorderBuffer()
        buffer.insert(Self.packet(1), at: Self.start)
        #expect(Self.drain(&buffer, now: Self.start).released == [1])
        buffer.insert(Self.packet(3), at: Self.start)
        let waiting = Self.drain(&buffer, now: Self.start)
        #expect(waiting.released == [])
        #expect(waiting.nacked == [2])
        let later = Self.start + .milliseconds(30)
        buffer.insert(Self.packet(2), at: later)
        #expect(Self.drain(&buffer, now: later).released == [2, 3])
        #expect(buffer.counters.reordered == 1)
        #expect(buffer.counters.lost == 0)
        #expect(buffer.counters.heldNanoseconds == 30_000_000)  // 3 waited 30 ms, 2 none
    }

    @Test func lossIsGivenUpAfterMaxDelayAndCounted() {
        var buffer = RTPReorderBuffer(configuration: Self.configuration(maxDelay: .milliseconds(100), nack: false))
        buffer.insert(Self.packet(10), at: Self.start)
        buffer.insert(Self.packet(13), at: Self.start + .milliseconds(5))
        buffer.insert(Self.packet(14), at: Self.start + .milliseconds(10))
        let first = Self.drain(&buffer, now: Self.start + .milliseconds(10))
        #expect(first.released == [10])
        #expect(first.timeout == Self.start + .milliseconds(105))
        #expect(Self.drain(&buffer, now: Self.start + .milliseconds(104)).released == [])
        let given = Self.drain(&buffer, now: Self.start + .milliseconds(105))
        #expect(given.released == [13, 14])
        #expect(given.timeout == .distantFuture)
        #expect(buffer.counters.lost == 2)
        // 11 arriving now is late: dropped, never released out of order.
        buffer.insert(Self.packet(11), at: Self.start + .milliseconds(106))
        #expect(Self.drain(&buffer, now: Self.start + .milliseconds(106)).released == [])
        #expect(buffer.counters.late == 1)
    }

    @Test func retransmissionWithinTheBoundFillsTheHole() {
        var buffer = RTPReorderBuffer()
        for sequence: UInt16 in [1, 2, 4, 5, 6] { buffer.insert(Self.packet(sequence), at: Self.start) }
        let first = Self.drain(&buffer, now: Self.start)
        #expect(first.released == [1, 2])
        #expect(first.nacked == [3])
        #expect(first.timeout == Self.start + .milliseconds(100))  // NACK retry (initial RTT)
        let retry = Self.drain(&buffer, now: Self.start + .milliseconds(100))
        #expect(retry.nacked == [3])
        buffer.insert(Self.packet(3), at: Self.start + .milliseconds(120))
        #expect(Self.drain(&buffer, now: Self.start + .milliseconds(120)).released == [3, 4, 5, 6])
        #expect(buffer.counters.lost == 0)
    }

    @Test func duplicatesAreDropped() {
        var buffer = RTPReorderBuffer(configuration: Self.configuration(nack: false))
        buffer.insert(Self.packet(1), at: Self.start)
        buffer.insert(Self.packet(3), at: Self.start)
        buffer.insert(Self.packet(3), at: Self.start)
        #expect(buffer.counters.duplicates == 1)
        #expect(buffer.count == 2)
    }

    @Test func maxPacketsHeldAtTheCapAndGivenUpOnePast() {
        var buffer = RTPReorderBuffer(configuration: Self.configuration(maxPackets: 8, maxDelay: .seconds(10), nack: false))
        buffer.insert(Self.packet(0), at: Self.start)
        _ = Self.drain(&buffer, now: Self.start)
        // 1 is missing; 2...9 fill the buffer to its cap of 8: nothing is released.
        for sequence: UInt16 in 2...9 { buffer.insert(Self.packet(sequence), at: Self.start) }
        #expect(Self.drain(&buffer, now: Self.start).released == [])
        #expect(buffer.count == 8)
        // One past the cap: the gap is given up on.
        buffer.insert(Self.packet(10), at: Self.start)
        #expect(Self.drain(&buffer, now: Self.start).released == Array(2...10))
        #expect(buffer.counters.overflows == 1)
        #expect(buffer.counters.lost == 1)
        #expect(buffer.count == 0)
    }

    @Test func sequenceWrapKeepsOrder() {
        var buffer = RTPReorderBuffer(configuration: Self.configuration(nack: false))
        var released: [UInt16] = []
        for sequence: UInt16 in [65_533, 65_534, 0, 65_535, 2, 1, 3] {
            buffer.insert(Self.packet(sequence), at: Self.start)
            released += Self.drain(&buffer, now: Self.start).released
        }
        #expect(released == [65_533, 65_534, 65_535, 0, 1, 2, 3])
        #expect(buffer.counters.lost == 0)
        #expect(buffer.counters.reordered == 2)
    }

    @Test func jumpBackFarIsARestartNotLateness() {
        var buffer = RTPReorderBuffer(configuration: Self.configuration(maxPackets: 16, nack: false))
        for sequence: UInt16 in 20_000..<20_004 { buffer.insert(Self.packet(sequence), at: Self.start) }
        _ = Self.drain(&buffer, now: Self.start)
        buffer.insert(Self.packet(20_010), at: Self.start)   // held behind a gap
        buffer.insert(Self.packet(500), at: Self.start)      // the sender restarted
        buffer.insert(Self.packet(501), at: Self.start)
        #expect(Self.drain(&buffer, now: Self.start).released == [20_010, 500, 501])
        #expect(buffer.counters.restarts == 1)
        #expect(buffer.counters.late == 0)
    }

    /// Random loss and reordering on virtual time: everything released is ascending, and every
    /// sequence number is either released or counted lost.
    @Test func randomLossAndReorderReleaseAscendingAndAccountForEverything() {
        var buffer = RTPReorderBuffer(configuration: Self.configuration(maxPackets: 64, maxDelay: .milliseconds(50)))
        var random = SeededGenerator(seed: 11)
        var released: [Int] = []
        var now = Self.start
        var delayed: [(UInt16, Instant)] = []
        let total = 5_000
        for index in 0..<total {
            now = now + .milliseconds(2)
            let sequence = UInt16(truncatingIfNeeded: 60_000 + index)
            let roll = random.next() % 100
            if roll < 5 { continue }                                         // 5 % lost
            if roll < 10 { delayed.append((sequence, now + .milliseconds(15))); continue }  // 5 % late by 15 ms
            buffer.insert(Self.packet(sequence), at: now)
            for entry in delayed where entry.1 <= now { buffer.insert(Self.packet(entry.0), at: now) }
            delayed.removeAll { $0.1 <= now }
            released += Self.drain(&buffer, now: now).released.map { Int($0) }
        }
        now = now + .seconds(1)
        released += Self.drain(&buffer, now: now).released.map { Int($0) }
        var unwrapper = SequenceNumberUnwrapper()
        let unwrapped = released.map { unwrapper.unwrap(UInt16($0)) }
        #expect(unwrapped == unwrapped.sorted())
        #expect(Set(unwrapped).count == unwrapped.count)
        let counters = buffer.counters
        let meanHeldMs = Double(counters.heldNanoseconds) / Double(max(counters.released, 1)) / 1e6
        print("reorder buffer, 5 % loss + 5 % late by 15 ms at 500 packets/s: released \(counters.released), lost "
            + "\(counters.lost), reordered \(counters.reordered), mean added latency \(meanHeldMs) ms")
        #expect(counters.released + counters.lost == total)
        #expect(counters.reordered > 0)
        #expect(counters.late == 0)   // 15 ms of lateness is inside the 50 ms bound
    }
}
