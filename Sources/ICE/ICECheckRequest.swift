import RTCBase
import STUN

/// A connectivity check as the controlling agent sends it (RFC 8445 §7.1.1): Binding request with
/// USERNAME "remote:local", PRIORITY, ICE-CONTROLLING, USE-CANDIDATE (aggressive nomination),
/// MESSAGE-INTEGRITY with the remote password, and FINGERPRINT.
public enum ICECheckRequest {
    /// The encoded request and its transaction id (to match the response), or nil if encoding failed.
    public static func make(local: ICECredentials, remote: ICECredentials, tieBreaker: UInt64,
                            priority: UInt32 = ICECandidatePriority.host(localPreference: 65535))
        -> (bytes: [UInt8], transaction: STUNTransactionID)? {
        let transaction = STUNTransactionID.random()
        let request = STUNMessage(type: .bindingRequest, transactionID: transaction, attributes: [
            .username("\(remote.ufrag):\(local.ufrag)"),
            .priority(priority),
            .iceControlling(tieBreaker: tieBreaker),
            .useCandidate,
        ])
        guard let bytes = try? request.encoded(integrityKey: STUNMessage.shortTermKey(password: remote.password),
                                               addFingerprint: true) else { return nil }
        return (bytes, transaction)
    }
}
