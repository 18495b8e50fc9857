import ICE
import RTCBase
import STUN
import Testing

/// The bounded validated-address set: at the cap, one past it, and the selected address kept.
@Suite struct ICELiteAgentValidationCapTests {
    let liteCredentials = ICECredentials(ufrag: "LiteUfrg", password: "LitePasswordLitePassword")
    let peerCredentials = ICECredentials(ufrag: "peer", password: "PeerPasswordPeerPassword")
    var peer: ControllingPeer { ControllingPeer(agent: liteCredentials, own: peerCredentials) }

    @Test func defaultCapIsEight() {
        #expect(ICELiteConfiguration().maxValidatedAddresses == 8)
        #expect(ICELiteConfiguration().consentTimeout == .seconds(30))
    }

    @Test func atCapAllStayAndOnePastEvictsTheOldest() {
        var agent = ICELiteAgent(local: liteCredentials, remote: peerCredentials, now: at(0))
        for index in 1...8 {
            let answered1 = agent.handleSTUN(peer.check()[...], from: address(UInt8(index)), now: at(Double(index)))
            #expect(answered1)
        }
        for index in 1...8 { #expect(agent.isValidated(address(UInt8(index)))) }
        // Refresh address 1 so that address 2 is now the least recently checked.
        agent.handleSTUN(peer.check()[...], from: address(1), now: at(9))
        let answered2 = agent.handleSTUN(peer.check()[...], from: address(9), now: at(10))
        #expect(answered2)
        #expect(agent.isValidated(address(9)))
        #expect(agent.isValidated(address(1)))
        #expect(!agent.isValidated(address(2)))
        for index in 3...8 { #expect(agent.isValidated(address(UInt8(index)))) }
    }

    @Test func selectedAddressIsNeverEvicted() {
        var configuration = ICELiteConfiguration()
        configuration.maxValidatedAddresses = 2
        var agent = ICELiteAgent(local: liteCredentials, remote: peerCredentials, configuration: configuration, now: at(0))
        agent.handleSTUN(peer.check(useCandidate: true)[...], from: address(1), now: at(1))
        agent.handleSTUN(peer.check()[...], from: address(2), now: at(2))
        agent.handleSTUN(peer.check()[...], from: address(3), now: at(3))
        #expect(agent.isValidated(address(1)))
        #expect(!agent.isValidated(address(2)))
        #expect(agent.isValidated(address(3)))
        #expect(agent.selectedAddress == address(1))
    }

    @Test func capOfOneFollowsNominations() {
        var configuration = ICELiteConfiguration()
        configuration.maxValidatedAddresses = 1
        var agent = ICELiteAgent(local: liteCredentials, remote: peerCredentials, configuration: configuration, now: at(0))
        agent.handleSTUN(peer.check(useCandidate: true)[...], from: address(1), now: at(1))
        // An unnominated check is answered but cannot displace the selected address.
        let answered = agent.handleSTUN(peer.check()[...], from: address(2), now: at(2))
        #expect(answered)
        #expect(!agent.isValidated(address(2)))
        #expect(agent.isValidated(address(1)))
        // A nomination, once address 2 answers the probe, moves both selection and validation.
        agent.handleSTUN(peer.check(useCandidate: true)[...], from: address(2), now: at(3))
        #expect(agent.selectedAddress == address(1))
        let answer = agent.drain().outputs.transmits.lazy.compactMap { peer.answer(probe: $0.bytes, from: address(2)) }.first
        agent.handleSTUN(try! #require(answer)[...], from: address(2), now: at(3.01))
        #expect(agent.isValidated(address(2)))
        #expect(!agent.isValidated(address(1)))
        #expect(agent.selectedAddress == address(2))
    }
}
