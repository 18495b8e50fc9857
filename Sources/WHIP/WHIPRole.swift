/// Which side of a session resource the gateway serves: a WHEP viewer (draft-ietf-wish-whep)
/// reads a path, a WHIP publisher (RFC 9725) feeds it. The raw value is the URL segment,
/// `/{path}/whep/{id}` or `/{path}/whip/{id}`.
public enum WHIPRole: String, Sendable, Hashable {
    case viewer = "whep"
    case publisher = "whip"
}
