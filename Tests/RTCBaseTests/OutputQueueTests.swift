import RTCBase
import Testing

@Suite struct OutputQueueTests {
    @Test func firstInFirstOutAndReusable() {
        var queue = OutputQueue<Int>()
        #expect(queue.isEmpty && queue.popFirst() == nil)
        queue.append(1)
        queue.append(contentsOf: [2, 3])
        #expect(queue.count == 3 && queue.popFirst() == 1)
        queue.append(4)
        #expect([queue.popFirst(), queue.popFirst(), queue.popFirst()] == [2, 3, 4])
        #expect(queue.isEmpty && queue.count == 0 && queue.popFirst() == nil)
        queue.append(5)
        #expect(queue.popFirst() == 5)
    }
}
