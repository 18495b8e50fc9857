import RTCBase

/// One STUN attribute (RFC 8489 §14), decoded. Types this module does not model are kept as
/// `.other` with their raw value, so a parsed message re-encodes without loss.
public enum STUNAttribute: Sendable, Hashable {
    /// MAPPED-ADDRESS (RFC 8489 §14.1).
    case mappedAddress(TransportAddress)
    /// XOR-MAPPED-ADDRESS (RFC 8489 §14.2), already un-XORed.
    case xorMappedAddress(TransportAddress)
    /// USERNAME (RFC 8489 §14.3); for ICE "receiverUfrag:senderUfrag" (RFC 8445 §7.2.2).
    case username(String)
    /// MESSAGE-INTEGRITY (RFC 8489 §14.5): the 20-byte HMAC-SHA1 as received.
    case messageIntegrity([UInt8])
    /// MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6): 16–32 bytes as received (parse only).
    case messageIntegritySHA256([UInt8])
    /// FINGERPRINT (RFC 8489 §14.7): the CRC-32 XOR 0x5354554E as received.
    case fingerprint(UInt32)
    /// ERROR-CODE (RFC 8489 §14.8).
    case errorCode(STUNErrorCode)
    /// UNKNOWN-ATTRIBUTES (RFC 8489 §14.9).
    case unknownAttributes([UInt16])
    /// SOFTWARE (RFC 8489 §14.14).
    case software(String)
    /// PRIORITY (RFC 8445 §7.1.1).
    case priority(UInt32)
    /// USE-CANDIDATE (RFC 8445 §7.1.2), no value.
    case useCandidate
    /// ICE-CONTROLLED with its tie-breaker (RFC 8445 §7.1.3).
    case iceControlled(tieBreaker: UInt64)
    /// ICE-CONTROLLING with its tie-breaker (RFC 8445 §7.1.3).
    case iceControlling(tieBreaker: UInt64)
    /// REALM (RFC 8489 §14.9), long-term credentials.
    case realm(String)
    /// NONCE (RFC 8489 §14.10), long-term credentials.
    case nonce(String)
    /// CHANNEL-NUMBER (RFC 8656 §18.1): the channel (0x4000–0x4FFF for a valid binding).
    case channelNumber(UInt16)
    /// LIFETIME (RFC 8656 §18.2) in seconds.
    case lifetime(UInt32)
    /// XOR-PEER-ADDRESS (RFC 8656 §18.3), already un-XORed.
    case xorPeerAddress(TransportAddress)
    /// DATA (RFC 8656 §18.4).
    case data([UInt8])
    /// XOR-RELAYED-ADDRESS (RFC 8656 §18.5), already un-XORed.
    case xorRelayedAddress(TransportAddress)
    /// REQUESTED-TRANSPORT (RFC 8656 §18.7): the IP protocol number (17 = UDP).
    case requestedTransport(UInt8)
    /// DONT-FRAGMENT (RFC 8656 §18.8), no value.
    case dontFragment
    /// Any other attribute, preserved verbatim (value without padding).
    case other(type: UInt16, value: [UInt8])

    /// The attribute's type number.
    public var type: STUNAttributeType {
        switch self {
        case .mappedAddress: .mappedAddress
        case .xorMappedAddress: .xorMappedAddress
        case .username: .username
        case .messageIntegrity: .messageIntegrity
        case .messageIntegritySHA256: .messageIntegritySHA256
        case .fingerprint: .fingerprint
        case .errorCode: .errorCode
        case .unknownAttributes: .unknownAttributes
        case .software: .software
        case .priority: .priority
        case .useCandidate: .useCandidate
        case .iceControlled: .iceControlled
        case .iceControlling: .iceControlling
        case .realm: .realm
        case .nonce: .nonce
        case .channelNumber: .channelNumber
        case .lifetime: .lifetime
        case .xorPeerAddress: .xorPeerAddress
        case .data: .data
        case .xorRelayedAddress: .xorRelayedAddress
        case .requestedTransport: .requestedTransport
        case .dontFragment: .dontFragment
        case .other(let type, _): STUNAttributeType(rawValue: type)
        }
    }
}
