import RTCBase
import STUN

/// A connectivity check (RFC 8445 §7.1.1): Binding request with USERNAME "remote:local",
/// PRIORITY, ICE-CONTROLLING with USE-CANDIDATE (aggressive nomination, as a controlling agent
/// sends it) or ICE-CONTROLLED (as the lite agent probes an address, see `ICELiteAgent`),
/// MESSAGE-INTEGRITY with the remote password, and FINGERPRINT.
public enum ICECheckRequest {
    /// The encoded request and its transaction id (to match the response), or nil if encoding failed.
    public static func make(local: ICECredentials, remote: ICECredentials, tieBreaker: UInt64,
                            priority: UInt32 = ICECandidatePriority.host(localPreference: 65535),
                            controlling: Bool = true)
        -> (bytes: [UInt8], transaction: STUNTransactionID)? {
        make(local: local, remote: remote, tieBreaker: tieBreaker, priority: priority, controlling: controlling,
             useCandidate: controlling, transaction: .random())
    }

    /// A check with USE-CANDIDATE only when `useCandidate` (and controlling), with a given id
    /// (RFC 8445 §7.2.2: a check of a full agent; regular nomination sets USE-CANDIDATE only on
    /// the nominating check).
    public static func make(local: ICECredentials, remote: ICECredentials, tieBreaker: UInt64, priority: UInt32,
                            controlling: Bool, useCandidate: Bool, transaction: STUNTransactionID)
        -> (bytes: [UInt8], transaction: STUNTransactionID)? {
        var attributes: [STUNAttribute] = [.username("\(remote.ufrag):\(local.ufrag)"), .priority(priority)]
        attributes.append(controlling ? .iceControlling(tieBreaker: tieBreaker) : .iceControlled(tieBreaker: tieBreaker))
        if controlling && useCandidate { attributes.append(.useCandidate) }
        let request = STUNMessage(type: .bindingRequest, transactionID: transaction, attributes: attributes)
        guard let bytes = try? request.encoded(integrityKey: STUNMessage.shortTermKey(password: remote.password),
                                               addFingerprint: true) else { return nil }
        return (bytes, transaction)
    }
}
