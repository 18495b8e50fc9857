/// Media direction attributes (RFC 8866 §6.7, RFC 3264 §6.1).
public enum MediaDirection: String, Sendable, CaseIterable {
    case sendrecv, sendonly, recvonly, inactive

    public init(sends: Bool, receives: Bool) {
        switch (sends, receives) {
        case (true, true): self = .sendrecv
        case (true, false): self = .sendonly
        case (false, true): self = .recvonly
        case (false, false): self = .inactive
        }
    }

    public var sends: Bool { self == .sendrecv || self == .sendonly }
    public var receives: Bool { self == .sendrecv || self == .recvonly }

    /// The direction seen from the other side: `sendonly` ⇄ `recvonly`, others unchanged.
    public var reversed: MediaDirection { MediaDirection(sends: receives, receives: sends) }

    /// What both constraints allow: sending only where both allow sending, and so on.
    public func intersection(_ other: MediaDirection) -> MediaDirection {
        MediaDirection(sends: sends && other.sends, receives: receives && other.receives)
    }
}
