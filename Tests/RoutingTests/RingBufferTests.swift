import Testing
@testable import Routing

@Suite struct RingBufferTests {
    @Test func keepsOrderAcrossGrowthAndWrap() {
        var ring = RingBuffer<Int>()
        for n in 0..<10 { ring.append(n) }
        for n in 0..<6 { #expect(ring.popFirst() == n) }
        for n in 10..<30 { ring.append(n) }   // wraps, then grows past 16
        var out: [Int] = []
        while let n = ring.popFirst() { out.append(n) }
        #expect(out == Array(6..<30))
    }

    /// A reader's first drain takes a backlog of hundreds of events; once empty, the queue gives
    /// that storage back, while a queue that stays small keeps its slots (no allocation per unit).
    @Test func shrinksOnlyWhenEmptyAndLarge() {
        var ring = RingBuffer<Int>()
        for n in 0..<300 { ring.append(n) }
        #expect(ring.capacity == 512)
        ring.shrinkIfEmpty(keepingUpTo: 64)
        #expect(ring.capacity == 512)   // not empty
        while ring.popFirst() != nil {}
        ring.shrinkIfEmpty(keepingUpTo: 64)
        #expect(ring.capacity == 0)
        ring.append(1)
        #expect(ring.capacity == 16 && ring.popFirst() == 1)
        ring.shrinkIfEmpty(keepingUpTo: 64)
        #expect(ring.capacity == 16)
    }

    @Test func readerQueueGivesBackItsBacklogStorageOnceDrained() {
        var queue = ReaderQueue(limit: 1000)
        for _ in 0..<200 { _ = queue.enqueueControl(.sourceEnded) }
        #expect(queue.eventCapacity == 256)
        #expect(queue.drain(max: 150).count == 150)
        #expect(queue.eventCapacity == 256)   // still 50 queued
        #expect(queue.drain(max: 150).count == 50)
        #expect(queue.eventCapacity == 0)
        for _ in 0..<3 { _ = queue.enqueueControl(.sourceEnded) }
        #expect(queue.drain(max: 10).count == 3)
        #expect(queue.eventCapacity == 16)     // steady traffic keeps its small storage
        #expect(queue.isEmpty)
    }
}
