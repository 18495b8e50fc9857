import RTCBase
import Synchronization

extension Path {
    private static let nextTokenID = Atomic<UInt64>(1)

    /// Attaches the path's publisher. Every reader gets `.tracks` with the new `sourceEpoch` (one more
    /// than the previous publisher's) and waits for a keyframe on each video track.
    /// `requestKeyframe` is called, coalesced and never under a lock, when readers need a keyframe.
    /// Throws `.busy` if a publisher is attached, `.invalidTracks` for an empty, oversized or
    /// inconsistent track list.
    public func attachPublisher(tracks: [TrackInfo],
                                requestKeyframe: @escaping @Sendable () -> Void) throws(RoutingError) -> PublisherToken {
        try validate(tracks)
        let tokenID = Self.nextTokenID.wrappingAdd(1, ordering: .relaxed).oldValue
        let videoTrackIDs = tracks.filter { $0.kind == .video }.map(\.id)
        let (token, toWake) = try state.withLock { state throws(RoutingError) in
            guard !state.isClosed else { throw .pathClosed(name) }
            guard state.publisher == nil else { throw .busy(path: name) }
            state.epoch += 1
            state.stats.sourceEpoch = state.epoch
            let token = PublisherToken(id: tokenID, sourceEpoch: state.epoch)
            state.publisher = PathState.Publisher(token: token, tracks: tracks, videoTrackIDs: videoTrackIDs,
                                                  requestKeyframe: requestKeyframe,
                                                  tracksAwaitingKeyframe: videoTrackIDs)
            state.cache.removeAll()
            state.throttle.reset()
            state.syncCacheStats()
            let event = ReaderEvent.tracks(tracks, sourceEpoch: state.epoch)
            return (token, state.readers.filter { $0.enqueueControl(event, videoTrackIDs: videoTrackIDs) })
        }
        for reader in toWake { reader.wake() }
        return token
    }

    /// Publishes one unit: video goes to the GOP cache, every unit to every reader's queue. Units
    /// with a stale token or an unknown track are counted in `unitsRejected` and dropped. The unit's
    /// `sourceEpoch` is set to the token's.
    public func publish(_ unit: MediaUnit, token: PublisherToken) {
        let now = clock()
        var unit = unit
        unit.sourceEpoch = token.sourceEpoch
        let byteCount = unit.byteCount
        let accepted = state.withLock { state -> (readers: [PathReader], isVideo: Bool, keyframeCall: (@Sendable () -> Void)?)? in
            guard let publisher = state.publisher, publisher.token == token,
                  let kind = publisher.kind(ofTrack: unit.trackID) else {
                state.stats.unitsRejected += 1
                return nil
            }
            state.stats.unitsIn += 1
            state.stats.packetsIn += unit.packets.count
            state.stats.bytesIn += byteCount
            var needsKeyframe = false
            if kind == .video {
                state.cache.add(unit, byteCount: byteCount)
                state.syncCacheStats()
                if let index = publisher.tracksAwaitingKeyframe.firstIndex(of: unit.trackID) {
                    if unit.isKeyframe {
                        state.publisher?.tracksAwaitingKeyframe.remove(at: index)
                    } else {
                        needsKeyframe = !state.readers.isEmpty
                    }
                }
            }
            let keyframeCall = needsKeyframe ? state.requestKeyframe(at: now)
                                             : state.pollKeyframeRequest(at: now)
            return (state.readers, kind == .video, keyframeCall)
        }
        guard let accepted else { return }
        var readersNeedKeyframe = false
        for reader in accepted.readers {
            let outcome = reader.enqueue(unit, isVideo: accepted.isVideo)
            if outcome.shouldWake { reader.wake() }
            if outcome.needsKeyframe { readersNeedKeyframe = true }
        }
        accepted.keyframeCall?()
        if readersNeedKeyframe { requestKeyframe() }
    }

    /// Detaches the publisher; readers get `.sourceEnded` and stay attached. A stale token is ignored.
    public func detachPublisher(_ token: PublisherToken) {
        let toWake = state.withLock { state -> [PathReader] in
            guard state.publisher?.token == token else { return [] }
            return state.endSource(with: .sourceEnded)
        }
        for reader in toWake { reader.wake() }
    }

    private func validate(_ tracks: [TrackInfo]) throws(RoutingError) {
        func fail(_ reason: String) -> RoutingError { .invalidTracks(path: name, reason: reason) }
        guard !tracks.isEmpty else { throw fail("no tracks") }
        guard tracks.count <= limits.maxTracksPerPath else {
            throw fail("more than \(limits.maxTracksPerPath) tracks")
        }
        for (index, track) in tracks.enumerated() {
            guard !tracks[..<index].contains(where: { $0.id == track.id }) else {
                throw fail("duplicate track id \(track.id)")
            }
            guard track.clockRate > 0 else { throw fail("track \(track.id) has clock rate \(track.clockRate)") }
            guard track.payloadType < 128 else { throw fail("track \(track.id) has payload type \(track.payloadType)") }
        }
    }
}
