import RTCBase
import Testing
@testable import RTP

@Suite struct RTPSendHistoryTests {
    @Test func storesAndFindsBySequenceNumber() {
        var history = RTPSendHistory<[UInt8]>(capacity: 4)
        history.store(sequenceNumber: 10, packet: [1])
        history.store(sequenceNumber: 11, packet: [2, 2])
        #expect(history.packet(for: 10) == [1])
        #expect(history.packet(for: 11) == [2, 2])
        #expect(history.packet(for: 12) == nil)
        #expect(history.count == 2)
        #expect(history.byteCount == 3)
    }

    @Test func evictsOldestAtPacketCap() {
        var history = RTPSendHistory<[UInt8]>(capacity: 3)
        for seq in UInt16(0)..<4 { history.store(sequenceNumber: seq, packet: [UInt8(seq)]) }
        #expect(history.packet(for: 0) == nil)
        #expect(history.packet(for: 1) == [1])
        #expect(history.packet(for: 3) == [3])
        #expect(history.count == 3)
    }

    @Test func evictsOldestAtByteBudget() {
        var history = RTPSendHistory<[UInt8]>(capacity: 100, maxBytes: 10)
        history.store(sequenceNumber: 1, packet: [UInt8](repeating: 1, count: 4))
        history.store(sequenceNumber: 2, packet: [UInt8](repeating: 2, count: 4))
        #expect(history.byteCount == 8)
        history.store(sequenceNumber: 3, packet: [UInt8](repeating: 3, count: 4))
        #expect(history.packet(for: 1) == nil)
        #expect(history.packet(for: 2) != nil)
        #expect(history.byteCount == 8)
        // Larger than the whole budget: not kept, nothing else evicted.
        history.store(sequenceNumber: 4, packet: [UInt8](repeating: 4, count: 11))
        #expect(history.packet(for: 4) == nil)
        #expect(history.count == 2)
    }

    @Test func wrapsSequenceNumbersAndReplacesDuplicates() {
        var history = RTPSendHistory<[UInt8]>(capacity: 8)
        for seq in [UInt16(65534), 65535, 0, 1] { history.store(sequenceNumber: seq, packet: [UInt8(truncatingIfNeeded: seq)]) }
        #expect(history.packet(for: 65535) == [0xFF])
        #expect(history.packet(for: 0) == [0])
        history.store(sequenceNumber: 0, packet: [9, 9])
        #expect(history.packet(for: 0) == [9, 9])
        #expect(history.count == 4)
        #expect(history.byteCount == 5)
        // A number sharing a slot with an older one (mod 8) replaces it, never aliases it.
        history.store(sequenceNumber: 6, packet: [6])
        history.store(sequenceNumber: 14, packet: [14])
        #expect(history.packet(for: 6) == nil)
        #expect(history.packet(for: 14) == [14])
    }

    @Test func longRunStaysBounded() {
        var history = RTPSendHistory<[UInt8]>()
        #expect(history.capacity == 1024)
        for step in 0..<5_000 { history.store(sequenceNumber: UInt16(truncatingIfNeeded: step), packet: [UInt8(truncatingIfNeeded: step)]) }
        #expect(history.count == 1024)
        #expect(history.packet(for: UInt16(5_000 - 1024)) != nil)
        #expect(history.packet(for: UInt16(5_000 - 1025)) == nil)
        history.removeAll()
        #expect(history.count == 0)
        #expect(history.byteCount == 0)
        #expect(history.packet(for: 4_999) == nil)
    }

    /// Nothing is allocated until the first packet: a declared stream that never sends costs no
    /// table, and lookups and `removeAll` work on the empty history.
    @Test func allocatesOnFirstStore() {
        var history = RTPSendHistory<[UInt8]>(capacity: 500)
        #expect(history.slots.isEmpty && history.order.isEmpty)
        #expect(history.packet(for: 1) == nil)
        history.removeAll()
        history.store(sequenceNumber: 1, packet: [1])
        #expect(history.slots.count == 512 && history.order.count == 500)
        #expect(history.packet(for: 1) == [1])
    }

    /// With a retention the table grows only while it would evict packets younger than that:
    /// 200 packets/s settle at 256 slots (at least 1 s), 30 packets/s stay at 64, the cap holds,
    /// and growing keeps every packet findable (across a sequence-number wrap too).
    @Test func growsToHoldTheRetentionAtTheStreamsRate() {
        func run(packetsPerSecond: Int, seconds: Int, capacity: Int = 512) -> RTPSendHistory<[UInt8]> {
            var history = RTPSendHistory<[UInt8]>(capacity: capacity, retention: .seconds(1))
            let interval = 1_000_000_000 / UInt64(packetsPerSecond)
            for n in 0..<(packetsPerSecond * seconds) {
                history.store(sequenceNumber: UInt16(truncatingIfNeeded: n + 65_000), packet: [UInt8(truncatingIfNeeded: n)],
                              now: Instant(nanoseconds: 1_000_000_000 + UInt64(n) * interval))
            }
            return history
        }
        let video = run(packetsPerSecond: 200, seconds: 3)
        #expect(video.tableCapacity == 256 && video.count == 256)
        let last = 200 * 3 - 1
        for n in (last - 255)...last {
            #expect(video.packet(for: UInt16(truncatingIfNeeded: n + 65_000)) == [UInt8(truncatingIfNeeded: n)])
        }
        #expect(video.packet(for: UInt16(truncatingIfNeeded: last - 256 + 65_000)) == nil)
        let slow = run(packetsPerSecond: 30, seconds: 3)
        #expect(slow.tableCapacity == 64 && slow.count == 64)
        let capped = run(packetsPerSecond: 1_000, seconds: 2, capacity: 300)
        #expect(capped.tableCapacity == 300 && capped.count == 300)

        var burst = RTPSendHistory<[UInt8]>(capacity: 512, retention: .seconds(1))
        for seq in UInt16(0)..<65 { burst.store(sequenceNumber: seq, packet: [UInt8(seq)], now: Instant(nanoseconds: 5)) }
        #expect(burst.tableCapacity == 128 && burst.count == 65)
        #expect((0..<65).allSatisfy { burst.packet(for: UInt16($0)) == [UInt8($0)] })
        #expect(RTPSendHistory<[UInt8]>(capacity: 512).tableCapacity == 512)   // no retention: all at once
    }

    @Test func capacityIsClamped() {
        #expect(RTPSendHistory<[UInt8]>(capacity: 0).capacity == 1)
        #expect(RTPSendHistory<[UInt8]>(capacity: 1_000_000).capacity == 32_768)
    }
}
