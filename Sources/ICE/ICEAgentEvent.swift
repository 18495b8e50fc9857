import RTCBase

/// Where a full `ICEAgent` stands (RFC 8445 §6.1.3, with the disconnected step of consent).
public enum ICEConnectionState: String, Sendable, Hashable {
    case new, checking, connected, disconnected, failed
}

/// The role of a full agent (RFC 8445 §6.1.1).
public enum ICERole: String, Sendable, Hashable {
    case controlling, controlled
}

/// The selected pair: media goes from `local.base` to `remote.address`.
public struct ICECandidatePair: Sendable, Hashable, CustomStringConvertible {
    public var local: ICECandidate
    public var remote: ICECandidate

    public var description: String { "\(local) -> \(remote)" }
}

/// What an `ICEAgent` reports.
public enum ICEAgentEvent: Sendable, Hashable {
    /// A server-reflexive candidate learnt from a STUN server: signal it to the peer (trickle).
    case localCandidate(ICECandidate)
    /// The STUN server never answered.
    case gatheringFailed(server: TransportAddress)
    case stateChanged(ICEConnectionState)
    /// Media moves to this pair (the first one comes with `.stateChanged(.connected)`).
    case selectedPairChanged(ICECandidatePair)
    /// A role conflict (RFC 8445 §7.3.1.1) switched our role.
    case roleChanged(ICERole)
}

/// One result of draining `ICEAgent.poll()`.
public enum ICEAgentOutput: Sendable, Hashable {
    /// Send these bytes from the local base `from` (a host socket, or through the TURN client
    /// when `from` is a relayed address) to `to`.
    case transmit([UInt8], from: TransportAddress, to: TransportAddress)
    case event(ICEAgentEvent)
    /// Nothing more for now; call `handleTimeout(now:)` at this instant (`.distantFuture`: never).
    case timeout(Instant)
}
