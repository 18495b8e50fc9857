import RTCBase

/// The kind of an ICE candidate (RFC 8445 §5.1.1).
public enum ICECandidateType: String, Sendable, Hashable {
    case host
    /// Server-reflexive: the address a STUN server saw (RFC 8445 §5.1.1.2).
    case serverReflexive = "srflx"
    /// Peer-reflexive: learnt from a check (RFC 8445 §7.2.5.3.1, §7.3.1.3).
    case peerReflexive = "prflx"
    /// Relayed: an address on a TURN server (RFC 8445 §5.1.1.2, RFC 8656).
    case relayed = "relay"

    /// The recommended type preference (RFC 8445 §5.1.2.2).
    public var typePreference: UInt8 {
        switch self {
        case .host: ICECandidatePriority.hostTypePreference
        case .serverReflexive: ICECandidatePriority.serverReflexiveTypePreference
        case .peerReflexive: ICECandidatePriority.peerReflexiveTypePreference
        case .relayed: ICECandidatePriority.relayedTypePreference
        }
    }
}

/// One candidate of one component (RFC 8445 §5.1): where it is, its base (where a local agent
/// sends from: the host address for host and server-reflexive candidates, the relayed address
/// itself for relayed ones), priority and foundation.
public struct ICECandidate: Sendable, Hashable, CustomStringConvertible {
    public var type: ICECandidateType
    public var address: TransportAddress
    public var base: TransportAddress
    public var priority: UInt32
    public var foundation: String

    /// `base` defaults to `address`; `priority` to the type's recommended one with
    /// `localPreference`; `foundation` to one shared by candidates of the same type and base IP
    /// (RFC 8445 §5.1.1.3).
    public init(type: ICECandidateType, address: TransportAddress, base: TransportAddress? = nil,
                priority: UInt32? = nil, localPreference: UInt16 = 65535, foundation: String? = nil) {
        self.type = type
        self.address = address
        self.base = base ?? address
        self.priority = priority ?? ICECandidatePriority.priority(typePreference: type.typePreference,
                                                                  localPreference: localPreference)
        self.foundation = foundation ?? "\(type.rawValue)-\((base ?? address).host)"
    }

    public var description: String { "\(type.rawValue) \(address) (base \(base), priority \(priority))" }
}
