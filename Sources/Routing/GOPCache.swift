/// The last group of pictures of each video track, so a new reader can start on a keyframe at once
/// (house plan §3). Bounded in units and bytes: a GOP that outgrows the bounds is evicted and its
/// track is not cached again until its next keyframe (a cache without its keyframe is useless).
struct GOPCache {
    let maxUnits: Int
    let maxBytes: Int
    /// Cached units of all tracks, in publish order.
    private(set) var entries: [(unit: MediaUnit, byteCount: Int)] = []
    private(set) var byteCount = 0
    /// Video tracks whose GOP, starting at a keyframe, is in `entries`.
    private(set) var cachedTrackIDs: [Int] = []

    init(maxUnits: Int, maxBytes: Int) {
        self.maxUnits = maxUnits
        self.maxBytes = maxBytes
    }

    var unitCount: Int { entries.count }

    func hasGOP(forTrack trackID: Int) -> Bool { cachedTrackIDs.contains(trackID) }

    /// Adds a video unit: a keyframe starts its track's GOP afresh; a delta extends a cached GOP.
    mutating func add(_ unit: MediaUnit, byteCount unitBytes: Int) {
        let trackID = unit.trackID
        if unit.isKeyframe {
            removeTrack(trackID)
            cachedTrackIDs.append(trackID)
        } else if !cachedTrackIDs.contains(trackID) {
            return
        }
        entries.append((unit, unitBytes))
        byteCount += unitBytes
        if entries.count > maxUnits || byteCount > maxBytes {
            removeTrack(trackID)
        }
    }

    mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
        byteCount = 0
        cachedTrackIDs.removeAll(keepingCapacity: true)
    }

    private mutating func removeTrack(_ trackID: Int) {
        if let index = cachedTrackIDs.firstIndex(of: trackID) { cachedTrackIDs.remove(at: index) }
        var removedBytes = 0
        entries.removeAll { entry in
            guard entry.unit.trackID == trackID else { return false }
            removedBytes += entry.byteCount
            return true
        }
        byteCount -= removedBytes
    }
}
