import RTCBase

/// What `DTLSSession.poll()` hands back. Drain `poll()` after every input until it returns
/// `.timeout`; `.timeout(.distantFuture)` means no timer is running.
public enum DTLSOutput: Sendable, Equatable {
    /// Send these bytes as one UDP datagram to the peer.
    case transmit([UInt8])
    case event(DTLSEvent)
    /// Call `handleTimeout(now:)` at (or after) this instant.
    case timeout(Instant)
}
