import ICE
import RTCBase
import STUN
import Testing

/// Nomination (RFC 8445 §8.2), re-nomination, consent (RFC 7675) and restart (RFC 8445 §9).
@Suite struct ICELiteAgentNominationTests {
    let liteCredentials = ICECredentials(ufrag: "LiteUfrg", password: "LitePasswordLitePassword")
    let peerCredentials = ICECredentials(ufrag: "peer", password: "PeerPasswordPeerPassword")
    var peer: ControllingPeer { ControllingPeer(agent: liteCredentials, own: peerCredentials) }

    func makeAgent(configuration: ICELiteConfiguration = .init()) -> ICELiteAgent {
        ICELiteAgent(local: liteCredentials, remote: peerCredentials, configuration: configuration, now: at(0))
    }

    @Test func nominationConnects() {
        var agent = makeAgent()
        let a = address(10)
        agent.handleSTUN(peer.check()[...], from: a, now: at(1))
        let drained1 = agent.drain()
        #expect(drained1.outputs.events.isEmpty)
        agent.handleSTUN(peer.check(useCandidate: true)[...], from: a, now: at(2))
        let (outputs, deadline) = agent.drain()
        #expect(outputs.transmits.count == 1)
        #expect(outputs.events == [.connected(a)])
        #expect(agent.selectedAddress == a)
        #expect(agent.isValidated(a))
        #expect(deadline == at(32))
        // Nominating the same address again changes nothing.
        agent.handleSTUN(peer.check(useCandidate: true)[...], from: a, now: at(3))
        let drained2 = agent.drain()
        #expect(drained2.outputs.events.isEmpty)
    }

    /// The agent's probe to `to` among `outputs`, answered by the peer (nil if there is none).
    func answerProbe(in transmits: [(bytes: [UInt8], to: TransportAddress)], to: TransportAddress,
                     tamper: ControllingPeer.Tamper = .none) -> [UInt8]? {
        transmits.filter { $0.to == to }.lazy.compactMap { peer.answer(probe: $0.bytes, from: to, tamper: tamper) }.first
    }

    @Test func reNominationMovesTheSelectionOnceTheNewAddressAnswers() {
        var agent = makeAgent()
        let a = address(10)
        let b = address(20, port: 40_000)
        agent.handleSTUN(peer.check(useCandidate: true)[...], from: a, now: at(1))
        let drained1 = agent.drain()
        #expect(drained1.outputs.events == [.connected(a)])
        // Chromium checks b, then nominates it mid-session.
        agent.handleSTUN(peer.check()[...], from: b, now: at(5))
        let drained2 = agent.drain()
        #expect(drained2.outputs.events.isEmpty)
        #expect(agent.selectedAddress == a)
        agent.handleSTUN(peer.check(useCandidate: true)[...], from: b, now: at(6))
        let drained3 = agent.drain()
        // Not yet: the agent probes b (the check's response plus our probe go to b).
        #expect(drained3.outputs.events.isEmpty)
        #expect(agent.selectedAddress == a)
        let response = try! #require(answerProbe(in: drained3.outputs.transmits, to: b))
        let handled1 = agent.handleSTUN(response[...], from: b, now: at(6.01))
        #expect(handled1)
        let drained4 = agent.drain()
        #expect(drained4.outputs.events == [.selectedAddressChanged(b)])
        #expect(agent.selectedAddress == b)
        #expect(agent.isValidated(a))
        #expect(agent.isValidated(b))
        // And back again, by the same rule.
        agent.handleSTUN(peer.check(useCandidate: true)[...], from: a, now: at(7))
        let back = try! #require(answerProbe(in: agent.drain().outputs.transmits, to: a))
        agent.handleSTUN(back[...], from: a, now: at(7.01))
        let drainedLater2 = agent.drain()
        #expect(drainedLater2.outputs.events == [.selectedAddressChanged(a)])
    }

    @Test func aSpoofedNominationNeverMovesTheMedia() {
        var agent = makeAgent()
        let a = address(10), victim = address(66, port: 9), other = address(77)
        agent.handleSTUN(peer.check(useCandidate: true)[...], from: a, now: at(1))
        _ = agent.drain()
        // A nomination that claims to come from the victim: the victim never answers our probe.
        agent.handleSTUN(peer.check(useCandidate: true)[...], from: victim, now: at(2))
        let probes = agent.drain().outputs.transmits.filter { $0.to == victim }
        #expect(probes.count == 2)   // the check's response and one probe
        // Answers that do not count: from another address, signed with a wrong key, unrelated.
        let good = try! #require(answerProbe(in: probes, to: victim))
        let handled3 = agent.handleSTUN(good[...], from: other, now: at(2.01))
        #expect(!handled3)
        let forged = try! #require(answerProbe(in: probes, to: victim, tamper: .wrongPassword))
        let handled4 = agent.handleSTUN(forged[...], from: victim, now: at(2.02))
        #expect(!handled4)
        #expect(agent.lastDropReason == .unexpectedResponse)
        // The probe is repeated up to the attempt cap (5 in all), then given up; media stays at a.
        var sent = 1
        var now = at(2)
        for _ in 0..<20 {
            now = now + .milliseconds(200)
            agent.handleTimeout(now: now)
            sent += agent.drain().outputs.transmits.filter { $0.to == victim }.count
        }
        #expect(sent == ICELiteConfiguration().addressProbeAttempts)
        #expect(agent.movesRefused == 1)
        #expect(agent.selectedAddress == a)
        // A late answer to the abandoned probe is ignored too.
        let handled5 = agent.handleSTUN(good[...], from: victim, now: now)
        #expect(!handled5)
        #expect(agent.selectedAddress == a)
    }

    @Test func consentExpiresExactlyAtTheTimeoutAfterTheLastCheck() {
        var agent = makeAgent()
        let a = address(10)
        agent.handleSTUN(peer.check(useCandidate: true)[...], from: a, now: at(1))
        agent.handleSTUN(peer.check()[...], from: a, now: at(10))
        let drained1 = agent.drain()
        #expect(drained1.deadline == at(40))
        agent.handleTimeout(now: at(39.9))
        #expect(!agent.isConsentExpired)
        let drained2 = agent.drain()
        #expect(drained2.outputs.isEmpty)
        #expect(agent.selectedAddress == a)
        agent.handleTimeout(now: Instant(nanoseconds: at(40).nanoseconds - 1))
        #expect(!agent.isConsentExpired)
        agent.handleTimeout(now: at(40))
        #expect(agent.isConsentExpired)
        let (outputs, deadline) = agent.drain()
        #expect(outputs == [.event(.consentExpired)])
        #expect(deadline == .distantFuture)
        #expect(agent.selectedAddress == nil)
        #expect(!agent.isValidated(a))
        // Emitted once; afterwards nothing is answered.
        agent.handleTimeout(now: at(50))
        let drained3 = agent.drain()
        #expect(drained3.outputs.isEmpty)
        let answered = agent.handleSTUN(peer.check(useCandidate: true)[...], from: a, now: at(51))
        #expect(!answered)
        #expect(agent.lastDropReason == .consentExpired)
        let drained4 = agent.drain()
        #expect(drained4.outputs.isEmpty)
    }

    @Test func lateCheckCannotRescueExpiredConsent() {
        var agent = makeAgent()
        agent.handleSTUN(peer.check(useCandidate: true)[...], from: address(10), now: at(1))
        _ = agent.drain()
        // The runtime was late with handleTimeout; the check at 31 s arrives after the deadline.
        let answered = agent.handleSTUN(peer.check()[...], from: address(10), now: at(31))
        #expect(!answered)
        let drained = agent.drain()
        #expect(drained.outputs == [.event(.consentExpired)])
    }

    @Test func consentFollowsOnlyTheSelectedAddress() {
        var agent = makeAgent()
        agent.handleSTUN(peer.check(useCandidate: true)[...], from: address(10), now: at(0))
        // Checks from another validated address do not keep the selected pair alive.
        for second in stride(from: 5.0, through: 25.0, by: 5.0) {
            agent.handleSTUN(peer.check()[...], from: address(20), now: at(second))
        }
        let drained1 = agent.drain()
        #expect(drained1.deadline == at(30))
        agent.handleTimeout(now: at(30))
        let drained2 = agent.drain()
        #expect(drained2.outputs.events == [.consentExpired])
    }

    @Test func sessionExpiresWithoutAnyCheckAfterCreation() {
        var agent = makeAgent()
        let drained1 = agent.drain()
        #expect(drained1.deadline == at(30))
        agent.handleTimeout(now: at(29.999))
        let drained2 = agent.drain()
        #expect(drained2.outputs.isEmpty)
        agent.handleTimeout(now: at(30))
        let drained3 = agent.drain()
        #expect(drained3.outputs.events == [.consentExpired])
    }

    @Test func checksBeforeNominationKeepTheSessionAlive() {
        var agent = makeAgent()
        agent.handleSTUN(peer.check()[...], from: address(10), now: at(20))
        agent.handleTimeout(now: at(30))
        #expect(!agent.isConsentExpired)
        let drained = agent.drain()
        #expect(drained.deadline == at(50))
    }

    @Test func unselectedAddressesAgeOut() {
        var agent = makeAgent()
        agent.handleSTUN(peer.check(useCandidate: true)[...], from: address(10), now: at(0))
        agent.handleSTUN(peer.check()[...], from: address(20), now: at(5))
        agent.handleSTUN(peer.check()[...], from: address(10), now: at(20))
        let drained1 = agent.drain()
        #expect(drained1.deadline == at(35))
        agent.handleTimeout(now: at(35))
        #expect(!agent.isValidated(address(20)))
        #expect(agent.isValidated(address(10)))
        let drained2 = agent.drain()
        #expect(drained2.deadline == at(50))
    }

    @Test func consentTimeoutIsConfigurable() {
        var configuration = ICELiteConfiguration()
        configuration.consentTimeout = .seconds(5)
        var agent = makeAgent(configuration: configuration)
        agent.handleSTUN(peer.check(useCandidate: true)[...], from: address(10), now: at(1))
        let drained = agent.drain()
        #expect(drained.deadline == at(6))
        agent.handleTimeout(now: at(6))
        #expect(agent.isConsentExpired)
    }

    @Test func restartKeepsMediaFlowingAndAcceptsOnlyNewCredentials() {
        var agent = makeAgent()
        let a = address(10)
        let b = address(20)
        agent.handleSTUN(peer.check(useCandidate: true)[...], from: a, now: at(1))
        agent.handleSTUN(peer.check()[...], from: b, now: at(2))
        _ = agent.drain()

        let newLite = ICECredentials(ufrag: "NewLite1", password: "NewLitePasswordNewLitePw")
        let newPeer = ICECredentials(ufrag: "newp", password: "NewPeerPasswordNewPeerPw")
        agent.restart(local: newLite, remote: newPeer, now: at(10))
        let (outputs, deadline) = agent.drain()
        #expect(outputs == [.event(.restarted)])
        #expect(agent.local == newLite)
        #expect(agent.remote == newPeer)
        #expect(agent.selectedAddress == a)
        #expect(agent.isValidated(a))
        #expect(!agent.isValidated(b))
        #expect(deadline == at(40))

        // Old credentials are now rejected, from either side.
        let answered1 = agent.handleSTUN(peer.check(useCandidate: true)[...], from: b, now: at(11))
        #expect(!answered1)
        let halfOld = ControllingPeer(agent: newLite, own: peerCredentials)
        let answered2 = agent.handleSTUN(halfOld.check(useCandidate: true)[...], from: b, now: at(11))
        #expect(!answered2)
        #expect(agent.droppedRequests == 2)
        let drained = agent.drain()
        #expect(drained.outputs.isEmpty)
        #expect(agent.selectedAddress == a)

        // New credentials: checks are answered, a nomination elsewhere moves the selection.
        let newPeerAgent = ControllingPeer(agent: newLite, own: newPeer)
        let id = STUNTransactionID.random()
        let answered3 = agent.handleSTUN(newPeerAgent.check(useCandidate: true, transactionID: id)[...], from: b, now: at(12))
        #expect(answered3)
        let after = agent.drain().outputs
        #expect(after.events.isEmpty)
        if let response = after.transmits.first {
            newPeerAgent.expectSuccess(response.bytes, transactionID: id, mapped: b)
        }
        let answer = after.transmits.lazy.compactMap { newPeerAgent.answer(probe: $0.bytes, from: b) }.first
        let handled6 = agent.handleSTUN(try! #require(answer)[...], from: b, now: at(12.01))
        #expect(handled6)
        let drainedLater7 = agent.drain()
        #expect(drainedLater7.outputs.events == [.selectedAddressChanged(b)])
        #expect(agent.selectedAddress == b)
    }

    @Test func restartRenominatingTheSameAddressIsQuiet() {
        var agent = makeAgent()
        let a = address(10)
        agent.handleSTUN(peer.check(useCandidate: true)[...], from: a, now: at(1))
        let newLite = ICECredentials.generate()
        let newPeer = ICECredentials.generate()
        agent.restart(local: newLite, remote: newPeer, now: at(5))
        _ = agent.drain()
        let newPeerAgent = ControllingPeer(agent: newLite, own: newPeer)
        let answered = agent.handleSTUN(newPeerAgent.check(useCandidate: true)[...], from: a, now: at(6))
        #expect(answered)
        let drained1 = agent.drain()
        #expect(drained1.outputs.events.isEmpty)
        let drained2 = agent.drain()
        #expect(drained2.deadline == at(36))
    }

    @Test func restartAfterExpiryRevivesTheSession() {
        var agent = makeAgent()
        agent.handleTimeout(now: at(30))
        #expect(agent.isConsentExpired)
        let newLite = ICECredentials.generate()
        let newPeer = ICECredentials.generate()
        agent.restart(local: newLite, remote: newPeer, now: at(40))
        #expect(!agent.isConsentExpired)
        let newPeerAgent = ControllingPeer(agent: newLite, own: newPeer)
        let answered = agent.handleSTUN(newPeerAgent.check(useCandidate: true)[...], from: address(10), now: at(41))
        #expect(answered)
        let drained = agent.drain()
        #expect(drained.outputs.events == [.consentExpired, .restarted, .connected(address(10))])
    }
}
