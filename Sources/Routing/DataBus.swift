import Synchronization

/// A path's data bus (issue #9): datagrams from a UDP device and data channel messages from
/// WebRTC sessions, each delivered through the receiving reader's own bounded queue
/// (`DataBusReader`). Publishing never blocks: a full reader drops its own oldest message.
///
/// Who hears whom: a source (the UDP device, a WHIP publisher) reaches every other reader; a
/// viewer (a WHEP session) reaches the sources only, so one viewer's commands go to the device
/// and not to the other viewers.
///
/// Locking: the bus lock guards the reader list and counters; a reader's lock is taken after it
/// (never before); `wake` callbacks run with no lock held.
public final class DataBus: Sendable {
    public struct Limits: Sendable, Equatable {
        /// Readers at most (sessions with data channels plus the UDP device).
        public var maxReaders = 1_024
        /// Per reader: messages and bytes queued at most.
        public var readerQueueMessages = 1_024
        public var readerQueueBytes = 4 << 20
        /// Largest message the bus carries (bigger ones are refused and counted).
        public var maxMessageBytes = 1 << 20
        public init() {}
    }

    public enum AddError: Error, Sendable, Equatable { case tooManyReaders(limit: Int) }

    public enum Role: Sendable, Equatable {
        /// The publishing side: the UDP device, a WHIP publisher.
        case source
        /// A WHEP viewer's data channels.
        case viewer
    }

    public let limits: Limits
    private let state: Mutex<State>

    struct State {
        var readers: [DataBusReader] = []
        var nextID = 1
        var stats = DataBusStats()
    }

    public init(limits: Limits = Limits()) {
        self.limits = limits
        state = Mutex(State())
    }

    public var stats: DataBusStats {
        state.withLock { state in
            var stats = state.stats
            stats.readers = state.readers.count
            return stats
        }
    }

    /// Every reader's counters, in the order they joined.
    public var readerStats: [DataReaderStats] {
        state.withLock { $0.readers }.map(\.stats)
    }

    /// True when some reader is attached.
    public var hasReaders: Bool { state.withLock { !$0.readers.isEmpty } }

    /// Adds a reader; `wake` is called when its queue goes from empty to non-empty.
    public func addReader(role: Role, kind: String, name: String,
                          wake: @escaping @Sendable () -> Void) throws(AddError) -> DataBusReader {
        try state.withLock { state throws(AddError) in
            guard state.readers.count < limits.maxReaders else { throw .tooManyReaders(limit: limits.maxReaders) }
            let reader = DataBusReader(id: state.nextID, role: role, kind: kind, name: name, maxMessages: limits.readerQueueMessages,
                                       maxBytes: limits.readerQueueBytes, wake: wake)
            state.nextID += 1
            state.readers.append(reader)
            return reader
        }
    }

    public func removeReader(_ reader: DataBusReader) {
        state.withLock { state in state.readers.removeAll { $0.id == reader.id } }
        reader.close()
    }

    /// Sends `message` from `origin` (nil: a source outside the bus) to the readers it reaches
    /// (see `Role`; a sender never hears itself). Returns false when the message is too large for
    /// the bus (refused and counted).
    @discardableResult
    public func publish(_ message: DataMessage, from origin: DataBusReader? = nil) -> Bool {
        var toWake: [DataBusReader] = []
        let accepted = state.withLock { state -> Bool in
            guard message.payload.count <= limits.maxMessageBytes else {
                state.stats.rejected += 1
                origin?.countPublished(bytes: message.payload.count, accepted: false)
                return false
            }
            state.stats.messagesIn += 1
            state.stats.bytesIn += message.payload.count
            origin?.countPublished(bytes: message.payload.count, accepted: true)
            let fromViewer = origin?.role == .viewer
            for reader in state.readers where reader.id != origin?.id && (!fromViewer || reader.role == .source) {
                let (wake, dropped) = reader.enqueue(message)
                state.stats.queued += 1
                state.stats.dropped += dropped
                if wake { toWake.append(reader) }
            }
            return true
        }
        for reader in toWake { reader.wake() }
        return accepted
    }
}
