import RTCBase

/// One result of draining `ICELiteAgent.poll()`.
public enum ICEOutput: Sendable, Equatable {
    /// Send these bytes to that address (from the shared socket).
    case transmit([UInt8], to: TransportAddress)
    case event(ICEEvent)
    /// Nothing more for now; call `handleTimeout(now:)` at this instant (`.distantFuture`: never).
    case timeout(Instant)
}
