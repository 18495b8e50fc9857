import RTCBase
import Synchronization

/// A named stream: at most one publisher and many readers (house plan §3). The publisher's units
/// go to a GOP cache and to every reader's bounded queue; a reader that falls behind drops and
/// waits for a keyframe without slowing anyone else. Readers survive source restarts.
///
/// Locking: one lock guards the publisher, reader list and cache; each reader has its own lock,
/// always taken after (never before) the path's. Callbacks (`wake`, `requestKeyframe`) are made
/// with no lock held. Calls from one publisher must be serialized by that publisher.
public final class Path: Sendable {
    public let name: String
    let limits: RoutingLimits
    let clock: @Sendable () -> Instant
    let state: Mutex<PathState>
    /// Data messages of the path (UDP device datagrams, data channel messages), issue #9.
    public let dataBus = DataBus()

    init(name: String, limits: RoutingLimits, clock: @escaping @Sendable () -> Instant) {
        self.name = name
        self.limits = limits
        self.clock = clock
        self.state = Mutex(PathState(limits: limits))
    }

    /// The current publisher's tracks; nil while no publisher is attached.
    public var tracks: [TrackInfo]? {
        state.withLock { $0.publisher?.tracks }
    }

    /// True while a publisher is attached.
    public var isReady: Bool {
        state.withLock { $0.publisher != nil }
    }

    /// True once the path was removed from its router.
    public var isClosed: Bool {
        state.withLock { $0.isClosed }
    }

    public var stats: PathStats {
        state.withLock { state in
            var stats = state.stats
            stats.readers = state.readers.count
            return stats
        }
    }

    // MARK: - Readers

    /// Adds a reader. If a publisher is attached, the reader's queue starts with `.tracks` and the
    /// cached GOP (so video starts on a keyframe at once; audio starts live), and `wake` is called
    /// once before this returns. A video track without a cached GOP waits for its next keyframe,
    /// and one is requested from the source.
    public func addReader(wake: @escaping @Sendable () -> Void) throws(RoutingError) -> PathReader {
        let now = clock()
        let (reader, shouldWake, keyframeCall) = try state.withLock { state throws(RoutingError) in
            guard !state.isClosed else { throw .pathClosed(name) }
            guard state.readers.count < limits.maxReadersPerPath else {
                throw .tooManyReaders(path: name, limit: limits.maxReadersPerPath)
            }
            let reader = PathReader(limit: limits.readerQueueUnits, wake: wake)
            var shouldWake = false
            var keyframeCall: (@Sendable () -> Void)?
            if let publisher = state.publisher {
                let cache = state.cache
                let waiting = publisher.videoTrackIDs.filter { !cache.hasGOP(forTrack: $0) }
                shouldWake = reader.start(tracks: publisher.tracks, sourceEpoch: publisher.token.sourceEpoch,
                                          videoTrackIDs: publisher.videoTrackIDs, backlog: cache,
                                          waitingTrackIDs: waiting)
                if !waiting.isEmpty { keyframeCall = state.requestKeyframe(at: now) }
            }
            state.readers.append(reader)
            return (reader, shouldWake, keyframeCall)
        }
        if shouldWake { reader.wake() }
        keyframeCall?()
        notifyReaderCount()
        return reader
    }

    /// Removes a reader; its queue is emptied and it receives nothing more.
    public func removeReader(_ reader: PathReader) {
        let found = state.withLock { state in
            guard let index = state.readers.firstIndex(where: { $0 === reader }) else { return false }
            state.readers.remove(at: index)
            return true
        }
        if found {
            reader.close()
            notifyReaderCount()
        }
    }

    /// Calls `observer` with the reader count now and after every reader is added or removed,
    /// outside the path's lock (an on-demand source starts at 1 and schedules its stop at 0).
    public func observeReaders(_ observer: @escaping @Sendable (Int) -> Void) {
        state.withLock { $0.readerObserver = observer }
        notifyReaderCount()
    }

    /// Installs (or with nil removes) the hook of an on-demand source: called when a reader is
    /// about to join a path that has no publisher yet, it starts the source and returns once the
    /// source publishes or gives up.
    public func setDemandHandler(_ handler: (@Sendable () async -> Void)?) {
        state.withLock { $0.demandHandler = handler }
    }

    /// For a reader about to join (a WHEP viewer needs the tracks to negotiate): when the path has
    /// no publisher but an on-demand source, starts it and waits until it publishes or gives up.
    /// Returns at once otherwise.
    public func demandPublisher() async {
        let handler = state.withLock { $0.publisher == nil ? $0.demandHandler : nil }
        await handler?()
    }

    private func notifyReaderCount() {
        let (observer, count) = state.withLock { ($0.readerObserver, $0.readers.count) }
        observer?(count)
    }

    /// Asks the source for a keyframe (viewer PLI/FIR, new reader). Coalesced: at most one upstream
    /// call per `keyframeRequestInterval`; a request inside the interval fires once on the first
    /// `publish` or `requestKeyframe` after it has passed.
    public func requestKeyframe() {
        let now = clock()
        let keyframeCall = state.withLock { $0.requestKeyframe(at: now) }
        keyframeCall?()
    }

    // MARK: - Router side

    /// Detaches the publisher, tells every reader `.pathClosed`, and refuses new readers.
    func close() {
        let toWake = state.withLock { state -> [PathReader] in
            guard !state.isClosed else { return [] }
            state.isClosed = true
            let toWake = state.endSource(with: .pathClosed)
            state.readers.removeAll()
            return toWake
        }
        for reader in toWake { reader.wake() }
    }
}
