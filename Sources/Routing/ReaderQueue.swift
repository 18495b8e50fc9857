/// The state behind one `PathReader`, kept under the reader's lock: a bounded FIFO of events plus
/// the keyframe-wait bookkeeping (house plan §3: a slow reader drops, counts, then waits for a
/// keyframe; it never slows the publisher).
struct ReaderQueue {
    /// What one enqueue asks of the caller, who acts on it after releasing the lock.
    struct Outcome {
        /// The queue went from empty to non-empty: call the reader's wake closure.
        var shouldWake = false
        /// The queue overflowed and video is now skipped until a keyframe: ask the source for one.
        var needsKeyframe = false
    }

    /// Queued events allowed beyond the initial backlog.
    let limit: Int
    private var events = RingBuffer<ReaderEvent>()
    /// Initial-backlog events (tracks + cached GOP) still queued; they do not count against `limit`.
    private var backlogRemaining = 0
    /// Units from other epochs are stale (a late publish from a replaced source) and ignored.
    private var epoch = 0
    private var videoTrackIDs: [Int] = []
    /// Video tracks whose units are skipped until their next keyframe.
    private var waitingTrackIDs: [Int] = []
    private(set) var stats = ReaderStats()
    private(set) var isClosed = false

    init(limit: Int) {
        self.limit = Swift.max(1, limit)
    }

    /// Event slots an emptied queue keeps (more were grown for a backlog or a burst).
    static let retainedCapacity = 64

    var isEmpty: Bool { events.isEmpty }
    /// Event slots currently allocated.
    var eventCapacity: Int { events.capacity }

    /// Seeds a new reader: the tracks, then the cached GOP, exempt from `limit`; video tracks in
    /// `waitingTrackIDs` (no cached GOP) start at their next keyframe.
    mutating func start(tracks: [TrackInfo], sourceEpoch: Int, videoTrackIDs: [Int],
                        backlog: GOPCache, waitingTrackIDs: [Int]) {
        events.append(.tracks(tracks, sourceEpoch: sourceEpoch))
        epoch = sourceEpoch
        self.videoTrackIDs = videoTrackIDs
        self.waitingTrackIDs = waitingTrackIDs
        for entry in backlog.entries { events.append(.unit(entry.unit)) }
        backlogRemaining = events.count
        stats.queued = events.count
    }

    /// Queues a live unit, or skips it when it is stale or a video delta while waiting for a keyframe.
    mutating func enqueue(_ unit: MediaUnit, isVideo: Bool) -> Outcome {
        var outcome = Outcome()
        guard !isClosed, unit.sourceEpoch == epoch else { return outcome }
        if isVideo, !waitingTrackIDs.isEmpty, !admitWhileWaiting(unit) {
            stats.dropped += 1
            return outcome
        }
        if events.count >= limit + backlogRemaining {
            outcome.needsKeyframe = overflow()
            if isVideo, !admitWhileWaiting(unit) {
                stats.dropped += 1
                stats.queued = events.count
                return outcome
            }
        }
        outcome.shouldWake = events.isEmpty
        events.append(.unit(unit))
        stats.queued = events.count
        return outcome
    }

    /// Queues a control event. `.tracks` switches to the new epoch and makes every video track wait
    /// for its first keyframe; `.pathClosed` closes the queue.
    mutating func enqueueControl(_ event: ReaderEvent, videoTrackIDs newVideoTrackIDs: [Int] = []) -> Outcome {
        var outcome = Outcome()
        guard !isClosed else { return outcome }
        switch event {
        case let .tracks(_, sourceEpoch):
            epoch = sourceEpoch
            videoTrackIDs = newVideoTrackIDs
            waitingTrackIDs = newVideoTrackIDs
        case .pathClosed:
            isClosed = true
        case .sourceEnded, .unit:
            break
        }
        if events.count >= limit + backlogRemaining {
            _ = overflow()
        }
        outcome.shouldWake = events.isEmpty
        events.append(event)
        stats.queued = events.count
        return outcome
    }

    mutating func drain(max: Int) -> [ReaderEvent] {
        let count = Swift.min(Swift.max(0, max), events.count)
        guard count > 0 else { return [] }
        var out: [ReaderEvent] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            guard let event = events.popFirst() else { break }
            if case .unit = event { stats.delivered += 1 }
            out.append(event)
        }
        backlogRemaining = Swift.max(0, backlogRemaining - out.count)
        stats.queued = events.count
        // The first drain empties the backlog (cached GOP: a few hundred events); once the reader
        // has caught up, its queue need not keep room for that many.
        events.shrinkIfEmpty(keepingUpTo: Self.retainedCapacity)
        return out
    }

    /// Empties and closes the queue (the reader was removed).
    mutating func close() {
        events.removeAll()
        backlogRemaining = 0
        isClosed = true
        stats.queued = 0
    }

    /// True when `unit` (video) may pass the keyframe wait; a keyframe ends its track's wait.
    private mutating func admitWhileWaiting(_ unit: MediaUnit) -> Bool {
        guard let index = waitingTrackIDs.firstIndex(of: unit.trackID) else { return true }
        guard unit.isKeyframe else { return false }
        waitingTrackIDs.remove(at: index)
        return true
    }

    /// Drops every queued unit, keeps only the last control event (each `.tracks` is
    /// self-contained, so the latest one still tells the whole story), and makes all video tracks
    /// wait for a keyframe. Returns whether there is video to wait for.
    private mutating func overflow() -> Bool {
        let controlCount = events.count { event in
            if case .unit = event { return false }
            return true
        }
        var controlToSkip = Swift.max(0, controlCount - 1)
        var droppedUnits = 0
        events.removeAll { event in
            if case .unit = event {
                droppedUnits += 1
                return true
            }
            guard controlToSkip > 0 else { return false }
            controlToSkip -= 1
            return true
        }
        stats.dropped += droppedUnits
        stats.keyframeWaits += 1
        backlogRemaining = 0
        waitingTrackIDs = videoTrackIDs
        return !videoTrackIDs.isEmpty
    }
}
