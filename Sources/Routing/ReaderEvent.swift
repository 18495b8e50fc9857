/// What a reader drains from its queue, in order.
public enum ReaderEvent: Sendable {
    /// The publisher's tracks: first event after attaching to a published path, and again on every
    /// new publisher (a restarted source has a new `sourceEpoch`).
    case tracks([TrackInfo], sourceEpoch: Int)
    case unit(MediaUnit)
    /// The publisher detached; the reader stays attached and gets `.tracks` if a source returns.
    case sourceEnded
    /// The path was removed from its router; nothing will follow.
    case pathClosed
}
