import ICE
import RTCBase
import STUN
import Testing

/// Answering connectivity checks (RFC 8445 §7.3, RFC 8489 §9.1.3): only authenticated ones.
@Suite struct ICELiteAgentCheckTests {
    let liteCredentials = ICECredentials(ufrag: "LiteUfrg", password: "LitePasswordLitePassword")
    let peerCredentials = ICECredentials(ufrag: "peer", password: "PeerPasswordPeerPassword")
    var peer: ControllingPeer { ControllingPeer(agent: liteCredentials, own: peerCredentials) }

    func makeAgent(remoteKnown: Bool = true) -> ICELiteAgent {
        ICELiteAgent(local: liteCredentials, remote: remoteKnown ? peerCredentials : nil, now: at(0))
    }

    @Test func authenticatedCheckIsAnsweredAndValidates() {
        var agent = makeAgent()
        let source = address(10)
        let id = STUNTransactionID.random()
        let answered = agent.handleSTUN(peer.check(transactionID: id)[...], from: source, now: at(1))
        #expect(answered)
        let (outputs, deadline) = agent.drain()
        #expect(outputs.count == 1)
        let transmits = outputs.transmits
        #expect(transmits.count == 1)
        if let response = transmits.first {
            #expect(response.to == source)
            peer.expectSuccess(response.bytes, transactionID: id, mapped: source)
        }
        #expect(agent.isValidated(source))
        #expect(!agent.isValidated(address(11)))
        #expect(agent.selectedAddress == nil)
        #expect(agent.droppedRequests == 0)
        // Not nominated yet: consent runs from the last authenticated check.
        #expect(deadline == at(31))
    }

    @Test func ipv6SourceIsReflected() throws {
        var agent = makeAgent()
        let source = try #require(TransportAddress(host: "2001:db8::7", port: 61_000))
        let id = STUNTransactionID.random()
        let answered = agent.handleSTUN(peer.check(transactionID: id)[...], from: source, now: at(1))
        #expect(answered)
        let transmits = agent.drain().outputs.transmits
        #expect(transmits.count == 1)
        if let response = transmits.first { peer.expectSuccess(response.bytes, transactionID: id, mapped: source) }
    }

    @Test(arguments: [
        (ControllingPeer.Tamper.wrongPassword, ICEDropReason.badIntegrity),
        (.wrongLocalUfrag, .wrongUsername),
        (.wrongRemoteUfrag, .wrongUsername),
        (.noIntegrity, .missingIntegrity),
        (.badFingerprint, .badFingerprint),
    ])
    func unauthenticatedChecksGetNoAnswer(tamper: ControllingPeer.Tamper, reason: ICEDropReason) {
        var agent = makeAgent()
        let source = address(10)
        let answered = agent.handleSTUN(peer.check(useCandidate: true, tamper: tamper)[...], from: source, now: at(1))
        #expect(!answered)
        let (outputs, _) = agent.drain()
        #expect(outputs.isEmpty)
        #expect(agent.droppedRequests == 1)
        #expect(agent.lastDropReason == reason)
        #expect(!agent.isValidated(source))
        #expect(agent.selectedAddress == nil)
    }

    @Test func remoteUfragIsCheckedOnlyOnceKnown() {
        var agent = makeAgent(remoteKnown: false)
        let answered1 = agent.handleSTUN(peer.check(tamper: .wrongRemoteUfrag)[...], from: address(10), now: at(1))
        #expect(answered1)
        agent.setRemoteCredentials(peerCredentials)
        let answered2 = agent.handleSTUN(peer.check(tamper: .wrongRemoteUfrag)[...], from: address(10), now: at(2))
        #expect(!answered2)
        let answered3 = agent.handleSTUN(peer.check()[...], from: address(10), now: at(3))
        #expect(answered3)
        #expect(agent.droppedRequests == 1)
    }

    @Test func fingerprintIsOptional() {
        var agent = makeAgent()
        let answered = agent.handleSTUN(peer.check(tamper: .noFingerprint)[...], from: address(10), now: at(1))
        #expect(answered)
        let drained = agent.drain()
        #expect(drained.outputs.transmits.count == 1)
    }

    @Test func roleConflictIsIgnoredByTheLiteAgent() {
        var agent = makeAgent()
        let id = STUNTransactionID.random()
        let answered = agent.handleSTUN(peer.check(tamper: .iceControlled, transactionID: id)[...], from: address(10), now: at(1))
        #expect(answered)
        let transmits = agent.drain().outputs.transmits
        #expect(transmits.count == 1)
        if let response = transmits.first { peer.expectSuccess(response.bytes, transactionID: id, mapped: address(10)) }
    }

    @Test func unknownComprehensionRequiredAttributeGets420() throws {
        var agent = makeAgent()
        let id = STUNTransactionID.random()
        let answered = agent.handleSTUN(peer.check(useCandidate: true, tamper: .unknownRequiredAttribute, transactionID: id)[...],
                                 from: address(10), now: at(1))
        #expect(answered)
        let (outputs, _) = agent.drain()
        #expect(outputs.events.isEmpty)
        let response = try STUNMessage(parsing: try #require(outputs.transmits.first).bytes)
        #expect(response.type == .bindingError)
        #expect(response.transactionID == id)
        #expect(response.errorCode?.code == 420)
        #expect(response.attributes.contains(.unknownAttributes([0x0031])))
        #expect(!agent.isValidated(address(10)))
        #expect(agent.selectedAddress == nil)
    }

    @Test func garbageAndNonRequestsAreCounted() throws {
        var agent = makeAgent()
        var random = SeededBytes(seed: 7)
        let source = address(10)
        var datagrams: [[UInt8]] = [
            [],
            [0x00, 0x01],
            Array(peer.check().prefix(40)),
            [0x80, 0x60] + [UInt8](repeating: 0, count: 30),
            random.bytes(100),
        ]
        // A Binding indication and a Binding success response: well formed, but not requests.
        for type in [STUNMessageType.bindingIndication, .bindingSuccess] {
            let message = STUNMessage(type: type, transactionID: .random(), attributes: [.username("LiteUfrg:peer")])
            datagrams.append(try message.encoded(integrityKey: STUNMessage.shortTermKey(password: liteCredentials.password),
                                                 addFingerprint: true))
        }
        for datagram in datagrams {
            let answered1 = agent.handleSTUN(datagram[...], from: source, now: at(1))
            #expect(!answered1)
        }
        #expect(agent.droppedRequests == datagrams.count)
        // The last one, a success response, answers no probe of ours.
        #expect(agent.lastDropReason == .unexpectedResponse)
        let drained = agent.drain()
        #expect(drained.outputs.isEmpty)
        #expect(!agent.isValidated(source))
        // The session still answers a good check afterwards.
        let answered2 = agent.handleSTUN(peer.check()[...], from: source, now: at(2))
        #expect(answered2)
    }

    @Test func parserLimitsApplyToChecks() {
        var configuration = ICELiteConfiguration()
        configuration.stunLimits = STUNLimits(maxAttributes: 5)
        let check = peer.check(useCandidate: true) // 6 attributes with MESSAGE-INTEGRITY and FINGERPRINT
        var tight = ICELiteAgent(local: liteCredentials, remote: peerCredentials, configuration: configuration, now: at(0))
        let answered1 = tight.handleSTUN(check[...], from: address(10), now: at(1))
        #expect(!answered1)
        #expect(tight.lastDropReason == .malformed(.tooManyAttributes(limit: 5)))
        configuration.stunLimits = STUNLimits(maxAttributes: 6)
        var exact = ICELiteAgent(local: liteCredentials, remote: peerCredentials, configuration: configuration, now: at(0))
        let answered2 = exact.handleSTUN(check[...], from: address(10), now: at(1))
        #expect(answered2)
    }
}
