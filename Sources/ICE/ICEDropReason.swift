import STUN

/// Why `ICELiteAgent.handleSTUN` dropped a datagram without answering.
public enum ICEDropReason: Sendable, Hashable, CustomStringConvertible {
    /// Not a parseable STUN message within the limits.
    case malformed(STUNParseError)
    /// Parsed, but not a Binding request.
    case notBindingRequest
    /// USERNAME missing or not "localUfrag:remoteUfrag".
    case wrongUsername
    /// No MESSAGE-INTEGRITY (SHA-1) attribute.
    case missingIntegrity
    /// MESSAGE-INTEGRITY does not verify with the local password.
    case badIntegrity
    /// FINGERPRINT present but wrong.
    case badFingerprint
    /// Consent expired earlier; the session no longer answers.
    case consentExpired
    /// A Binding response that answers no check of ours (wrong transaction, address or integrity).
    case unexpectedResponse
    /// A full `ICEAgent` cap (candidates, pairs, transactions) is reached; the datagram is ignored.
    case overCapacity
    /// Arrived on a local address that is the base of no local candidate of the `ICEAgent`.
    case unknownLocalBase

    public var description: String {
        switch self {
        case .malformed(let summary): "malformed STUN: \(summary)"
        case .notBindingRequest: "not a Binding request"
        case .wrongUsername: "USERNAME does not match this session's ufrags"
        case .missingIntegrity: "no MESSAGE-INTEGRITY"
        case .badIntegrity: "MESSAGE-INTEGRITY does not verify"
        case .badFingerprint: "FINGERPRINT does not verify"
        case .consentExpired: "consent expired"
        case .unexpectedResponse: "Binding response to no check of ours"
        case .overCapacity: "ICE agent limit reached"
        case .unknownLocalBase: "arrived on an address that is no local candidate's base"
        }
    }
}
