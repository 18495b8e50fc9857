import RTCBase

/// What an `ICELiteAgent` reports to its owner.
public enum ICEEvent: Sendable, Equatable {
    /// The first nominated address (RFC 8445 §8.2): media may flow to it.
    case connected(TransportAddress)
    /// The controlling peer nominated a different validated address; follow it.
    case selectedAddressChanged(TransportAddress)
    /// No authenticated check within the consent timeout (RFC 7675 §5.1): stop sending.
    case consentExpired
    /// `restart(local:remote:now:)` took effect.
    case restarted
}
