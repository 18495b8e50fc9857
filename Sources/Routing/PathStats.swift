/// Counters of one path, read as a snapshot.
public struct PathStats: Sendable, Equatable {
    public var readers = 0
    /// Units accepted from the publisher.
    public var unitsIn = 0
    /// RTP packets in the accepted units.
    public var packetsIn = 0
    public var bytesIn = 0
    /// Units ignored because of a stale token or an unknown track.
    public var unitsRejected = 0
    /// Keyframe requests from readers, new readers and keyframe waits, before coalescing.
    public var keyframeRequestsReceived = 0
    /// Keyframe requests passed to the publisher after coalescing.
    public var keyframeRequestsSent = 0
    public var cachedUnits = 0
    public var cachedBytes = 0
    /// Epoch of the current or last publisher; 0 before the first.
    public var sourceEpoch = 0

    public init() {}
}
