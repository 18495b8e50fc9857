extension Path {
    /// The cached GOP (video units since each video track's last keyframe, oldest first), for a
    /// reader that must restart decoding now — a viewer's PLI/FIR answered from the cache while
    /// the source is asked for a fresh keyframe. Empty when nothing is cached.
    public func cachedGOP() -> [MediaUnit] {
        state.withLock { state in state.cache.entries.map(\.unit) }
    }
}
