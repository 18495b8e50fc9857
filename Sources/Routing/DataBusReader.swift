import Synchronization

/// One reader of a path's data bus (a WebRTC session's data channels, a UDP device's reply
/// target): a bounded queue of its own. When it is full the oldest message is dropped and
/// counted, so a reader that does not keep up loses its own messages and never slows the
/// publisher or the other readers. `wake` is called (with no lock held) when the queue goes from
/// empty to non-empty; the owner then drains it on its own thread.
public final class DataBusReader: Sendable {
    public let id: Int
    public let role: DataBus.Role
    let wake: @Sendable () -> Void
    private let state: Mutex<DataReaderQueue>

    init(id: Int, role: DataBus.Role, kind: String, name: String, maxMessages: Int, maxBytes: Int, wake: @escaping @Sendable () -> Void) {
        self.id = id
        self.role = role
        self.wake = wake
        state = Mutex(DataReaderQueue(stats: DataReaderStats(kind: kind, name: name),
                                      maxMessages: maxMessages, maxBytes: maxBytes))
    }

    public var stats: DataReaderStats { state.withLock { $0.stats } }

    /// Takes up to `max` queued messages, oldest first.
    public func drain(max: Int = 256) -> [DataMessage] {
        state.withLock { $0.drain(max: max) }
    }

    /// Queues one message; returns (whether to wake the owner, messages dropped to make room).
    func enqueue(_ message: DataMessage) -> (wake: Bool, dropped: Int) {
        state.withLock { $0.enqueue(message) }
    }

    /// Counts one message this reader published, or one the bus refused (under the bus lock; the
    /// reader's lock comes after).
    func countPublished(bytes: Int, accepted: Bool) {
        state.withLock { queue in
            if accepted {
                queue.stats.published += 1
                queue.stats.publishedBytes += bytes
            } else {
                queue.stats.rejected += 1
            }
        }
    }

    func close() { state.withLock { $0.close() } }
}

/// The state behind one `DataBusReader`, kept under its lock.
struct DataReaderQueue {
    var stats: DataReaderStats
    let maxMessages: Int
    let maxBytes: Int
    private var messages = RingBuffer<DataMessage>()
    private var bytes = 0
    private var isClosed = false

    init(stats: DataReaderStats, maxMessages: Int, maxBytes: Int) {
        self.stats = stats
        self.maxMessages = Swift.max(1, maxMessages)
        self.maxBytes = Swift.max(1, maxBytes)
    }

    mutating func enqueue(_ message: DataMessage) -> (wake: Bool, dropped: Int) {
        guard !isClosed else { return (false, 0) }
        let wasEmpty = messages.isEmpty
        var dropped = 0
        while !messages.isEmpty, messages.count >= maxMessages || bytes + message.payload.count > maxBytes {
            guard let oldest = messages.popFirst() else { break }
            bytes -= oldest.payload.count
            dropped += 1
        }
        messages.append(message)
        bytes += message.payload.count
        stats.dropped += dropped
        stats.queued = messages.count
        stats.queuedBytes = bytes
        return (wasEmpty, dropped)
    }

    mutating func drain(max: Int) -> [DataMessage] {
        let count = Swift.min(Swift.max(0, max), messages.count)
        var out: [DataMessage] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            guard let message = messages.popFirst() else { break }
            bytes -= message.payload.count
            stats.deliveredBytes += message.payload.count
            out.append(message)
        }
        stats.delivered += out.count
        stats.queued = messages.count
        stats.queuedBytes = bytes
        messages.shrinkIfEmpty(keepingUpTo: 64)
        return out
    }

    mutating func close() {
        messages.removeAll()
        bytes = 0
        isClosed = true
        stats.queued = 0
        stats.queuedBytes = 0
    }
}
