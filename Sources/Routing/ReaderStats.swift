/// Counters of one reader, read as a snapshot.
public struct ReaderStats: Sendable, Equatable {
    /// Units handed out by `drain`.
    public var delivered: Int
    /// Units discarded: queued units dropped on overflow plus video units skipped while waiting for a keyframe.
    public var dropped: Int
    /// Times the queue overflowed and the reader had to wait for a keyframe.
    public var keyframeWaits: Int
    /// Events queued right now.
    public var queued: Int

    public init(delivered: Int = 0, dropped: Int = 0, keyframeWaits: Int = 0, queued: Int = 0) {
        self.delivered = delivered
        self.dropped = dropped
        self.keyframeWaits = keyframeWaits
        self.queued = queued
    }
}
