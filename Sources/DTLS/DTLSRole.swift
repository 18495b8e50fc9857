/// Which side of the DTLS handshake this endpoint plays (RFC 5763 §5: the `a=setup` answer
/// decides; "active" is the client).
public enum DTLSRole: Sendable, Hashable {
    case client
    case server
}
