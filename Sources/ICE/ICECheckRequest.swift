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
        let transaction = STUNTransactionID.random()
        var attributes: [STUNAttribute] = [.username("\(remote.ufrag):\(local.ufrag)"), .priority(priority)]
        attributes += controlling ? [.iceControlling(tieBreaker: tieBreaker), .useCandidate]
                                  : [.iceControlled(tieBreaker: tieBreaker)]
        let request = STUNMessage(type: .bindingRequest, transactionID: transaction, attributes: attributes)
        guard let bytes = try? request.encoded(integrityKey: STUNMessage.shortTermKey(password: remote.password),
                                               addFingerprint: true) else { return nil }
        return (bytes, transaction)
    }
}
