/// Caps that keep one path's memory and upstream traffic bounded. Every cap is configurable;
/// the defaults suit a few-megabit stream with a few-second GOP.
public struct RoutingLimits: Sendable, Equatable {
    /// Units a reader may have queued before it drops its queue and waits for a keyframe. A new
    /// reader's initial GOP backlog comes on top of this.
    public var readerQueueUnits = 256
    /// The GOP cache holds at most this many video units; one more invalidates it until the next keyframe.
    public var gopCacheMaxUnits = 600
    /// The GOP cache holds at most this many bytes; one more invalidates it until the next keyframe.
    public var gopCacheMaxBytes = 8 * 1024 * 1024
    public var maxReadersPerPath = 2000
    public var maxPaths = 1000
    /// Tracks a single publisher may declare.
    public var maxTracksPerPath = 16
    /// Keyframe requests to a source are coalesced to at most one per interval.
    public var keyframeRequestInterval: Duration = .milliseconds(500)

    public init() {}
}
