/// Proof of being a path's current publisher, returned by `Path.attachPublisher`. Calls with a
/// token from an earlier attachment are ignored, so a stale source cannot disturb its successor.
public struct PublisherToken: Sendable, Hashable {
    /// Unique across all paths of the process.
    let id: UInt64
    /// The epoch this attachment stamps on its units.
    public let sourceEpoch: Int
}
