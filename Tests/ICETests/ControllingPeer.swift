import ICE
import RTCBase
import STUN
import Testing

/// A test-only controlling ICE agent: builds connectivity checks the way a browser does
/// (RFC 8445 §7.2.2: USERNAME "lite:peer", PRIORITY, ICE-CONTROLLING, optional USE-CANDIDATE,
/// MESSAGE-INTEGRITY with the lite agent's password, FINGERPRINT) and checks the answers.
struct ControllingPeer {
    /// The lite agent's credentials as the peer learned them from the answer SDP.
    var agent: ICECredentials
    /// The peer's own credentials.
    var own: ICECredentials
    var tieBreaker: UInt64 = 0x1122_3344_5566_7788

    enum Tamper {
        case none, wrongPassword, wrongLocalUfrag, wrongRemoteUfrag, noIntegrity, badFingerprint, noFingerprint
        case iceControlled, unknownRequiredAttribute
    }

    func check(useCandidate: Bool = false, tamper: Tamper = .none,
               transactionID: STUNTransactionID = .random()) -> [UInt8] {
        var localUfrag = agent.ufrag
        var remoteUfrag = own.ufrag
        if tamper == .wrongLocalUfrag { localUfrag += "x" }
        if tamper == .wrongRemoteUfrag { remoteUfrag += "x" }
        var attributes: [STUNAttribute] = [
            .username("\(localUfrag):\(remoteUfrag)"),
            .priority(ICECandidatePriority.priority(typePreference: 110, localPreference: 65535)),
            tamper == .iceControlled ? .iceControlled(tieBreaker: tieBreaker) : .iceControlling(tieBreaker: tieBreaker),
        ]
        if useCandidate { attributes.append(.useCandidate) }
        if tamper == .unknownRequiredAttribute { attributes.append(.other(type: 0x0031, value: [1, 2, 3, 4])) }
        let message = STUNMessage(type: .bindingRequest, transactionID: transactionID, attributes: attributes)
        let password = tamper == .wrongPassword ? agent.password + "x" : agent.password
        let key: [UInt8]? = tamper == .noIntegrity ? nil : STUNMessage.shortTermKey(password: password)
        var bytes = (try? message.encoded(integrityKey: key, addFingerprint: tamper != .noFingerprint)) ?? []
        if tamper == .badFingerprint, let last = bytes.indices.last { bytes[last] ^= 0x01 }
        return bytes
    }

    /// Asserts `bytes` is a success response to `transactionID` reporting `mapped`, authenticated
    /// with the lite agent's password and fingerprinted.
    func expectSuccess(_ bytes: [UInt8], transactionID: STUNTransactionID, mapped: TransportAddress,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        guard let response = try? STUNMessage(parsing: bytes) else {
            Issue.record("response does not parse", sourceLocation: sourceLocation)
            return
        }
        #expect(response.type == .bindingSuccess, sourceLocation: sourceLocation)
        #expect(response.transactionID == transactionID, sourceLocation: sourceLocation)
        #expect(response.xorMappedAddress == mapped, sourceLocation: sourceLocation)
        #expect(STUNMessage.verifyMessageIntegrity(bytes[...], key: STUNMessage.shortTermKey(password: agent.password)),
                sourceLocation: sourceLocation)
        #expect(STUNMessage.verifyFingerprint(bytes[...]), sourceLocation: sourceLocation)
    }

    /// Answers the lite agent's probe as a full agent does (RFC 8445 §7.3): checks that `request`
    /// is a Binding request with USERNAME "own:agent", ICE-CONTROLLED, and integrity with our own
    /// password, then returns the success response (or nil if the request is not such a probe).
    /// `tamper: .wrongPassword` signs the response with a wrong key.
    func answer(probe request: [UInt8], from source: TransportAddress, tamper: Tamper = .none) -> [UInt8]? {
        guard let message = try? STUNMessage(parsing: request), message.type == .bindingRequest,
              message.username == "\(own.ufrag):\(agent.ufrag)",
              message.attributes.contains(where: { if case .iceControlled = $0 { true } else { false } }),
              STUNMessage.verifyMessageIntegrity(request[...], key: STUNMessage.shortTermKey(password: own.password))
        else { return nil }
        let response = STUNMessage(type: .bindingSuccess, transactionID: message.transactionID,
                                   attributes: [.xorMappedAddress(source)])
        let password = tamper == .wrongPassword ? own.password + "x" : own.password
        return try? response.encoded(integrityKey: STUNMessage.shortTermKey(password: password), addFingerprint: true)
    }
}
