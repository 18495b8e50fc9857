import Synchronization

/// One reader of a path (a viewer, a recorder, an egress): a bounded queue the path fills and the
/// reader's own event loop drains. The path never blocks on a reader.
///
/// `wake` is called (never under a lock) each time the queue goes from empty to non-empty,
/// including once from `Path.addReader` when the reader starts with a backlog. The reader should
/// then call `drain(max:)` until it returns fewer than `max` events; no further wake comes while
/// events remain queued.
public final class PathReader: Sendable {
    let wake: @Sendable () -> Void
    private let queue: Mutex<ReaderQueue>

    init(limit: Int, wake: @escaping @Sendable () -> Void) {
        self.wake = wake
        self.queue = Mutex(ReaderQueue(limit: limit))
    }

    /// Takes up to `max` queued events, oldest first.
    public func drain(max: Int) -> [ReaderEvent] {
        queue.withLock { $0.drain(max: max) }
    }

    public var stats: ReaderStats {
        queue.withLock { $0.stats }
    }

    /// False once the reader was removed or its path closed.
    public var isOpen: Bool {
        queue.withLock { !$0.isClosed }
    }

    // MARK: - Path side

    func start(tracks: [TrackInfo], sourceEpoch: Int, videoTrackIDs: [Int],
               backlog: GOPCache, waitingTrackIDs: [Int]) -> Bool {
        queue.withLock { queue in
            queue.start(tracks: tracks, sourceEpoch: sourceEpoch, videoTrackIDs: videoTrackIDs,
                        backlog: backlog, waitingTrackIDs: waitingTrackIDs)
            return !queue.isEmpty
        }
    }

    func enqueue(_ unit: MediaUnit, isVideo: Bool) -> ReaderQueue.Outcome {
        queue.withLock { $0.enqueue(unit, isVideo: isVideo) }
    }

    func enqueueControl(_ event: ReaderEvent, videoTrackIDs: [Int] = []) -> Bool {
        queue.withLock { $0.enqueueControl(event, videoTrackIDs: videoTrackIDs).shouldWake }
    }

    func close() {
        queue.withLock { $0.close() }
    }
}
