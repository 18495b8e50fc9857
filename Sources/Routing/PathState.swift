import RTCBase
import RTP

/// Everything a `Path` guards with its one lock: the publisher, the reader list and the GOP cache.
struct PathState {
    struct Publisher {
        let token: PublisherToken
        let tracks: [TrackInfo]
        let videoTrackIDs: [Int]
        let requestKeyframe: @Sendable () -> Void
        /// Video tracks that have not sent a keyframe since attaching; their deltas trigger requests.
        var tracksAwaitingKeyframe: [Int]

        func kind(ofTrack trackID: Int) -> TrackKind? {
            for track in tracks where track.id == trackID { return track.kind }
            return nil
        }
    }

    var publisher: Publisher?
    var epoch = 0
    var readers: [PathReader] = []
    var cache: GOPCache
    var throttle: KeyframeRequestLimiter
    var stats = PathStats()
    var isClosed = false
    /// Told the reader count after every add/remove (on-demand sources start and stop on it).
    var readerObserver: (@Sendable (Int) -> Void)?
    /// An on-demand source's "start now and wait until you publish" (see `Path.demandPublisher`).
    var demandHandler: (@Sendable () async -> Void)?

    init(limits: RoutingLimits) {
        cache = GOPCache(maxUnits: limits.gopCacheMaxUnits, maxBytes: limits.gopCacheMaxBytes)
        throttle = KeyframeRequestLimiter(interval: limits.keyframeRequestInterval)
    }

    /// Records a keyframe request; returns the upstream call to make after unlocking, if any.
    mutating func requestKeyframe(at now: Instant) -> (@Sendable () -> Void)? {
        stats.keyframeRequestsReceived += 1
        guard let publisher, throttle.request(now: now) else { return nil }
        stats.keyframeRequestsSent += 1
        return publisher.requestKeyframe
    }

    /// Fires a pending request whose quiet interval has passed; returns the upstream call, if any.
    mutating func pollKeyframeRequest(at now: Instant) -> (@Sendable () -> Void)? {
        guard let publisher, throttle.handleTimeout(now: now) else { return nil }
        stats.keyframeRequestsSent += 1
        return publisher.requestKeyframe
    }

    /// Ends the current publisher's stream and queues `event` for every reader; returns the readers
    /// to wake after unlocking.
    mutating func endSource(with event: ReaderEvent) -> [PathReader] {
        publisher = nil
        cache.removeAll()
        throttle.reset()
        syncCacheStats()
        return readers.filter { $0.enqueueControl(event) }
    }

    mutating func syncCacheStats() {
        stats.cachedUnits = cache.unitCount
        stats.cachedBytes = cache.byteCount
    }
}
