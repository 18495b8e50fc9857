import ICE
import RTCBase
import STUN
import Testing

/// How much a nomination of a new address can make the agent send there (its address probe):
/// one round per claimed address per `addressProbeCooldown`, and a per-session budget.
@Suite struct ICELiteAgentProbeBudgetTests {
    let liteCredentials = ICECredentials(ufrag: "LiteUfrg", password: "LitePasswordLitePassword")
    let peerCredentials = ICECredentials(ufrag: "peer", password: "PeerPasswordPeerPassword")
    var peer: ControllingPeer { ControllingPeer(agent: liteCredentials, own: peerCredentials) }

    /// An agent connected at `address(10)` at t = 1 s.
    func connectedAgent(_ configuration: ICELiteConfiguration = .init()) -> ICELiteAgent {
        var agent = ICELiteAgent(local: liteCredentials, remote: peerCredentials, configuration: configuration,
                                 now: at(0))
        agent.handleSTUN(peer.check(useCandidate: true)[...], from: address(10), now: at(1))
        _ = agent.drain()
        return agent
    }

    /// Our probes (Binding requests) among `outputs`, by destination; responses to checks are not probes.
    func probes(_ outputs: [ICEOutput], to destination: TransportAddress? = nil) -> Int {
        outputs.transmits.filter { transmit in
            (destination == nil || transmit.to == destination)
                && (try? STUNMessage(parsing: transmit.bytes[...]))?.type == .bindingRequest
        }.count
    }

    @Test func aReplayedNominationIsProbedOnceRoundPerCooldown() {
        var agent = connectedAgent()
        let victim = address(66, port: 9)
        let replayed = peer.check(useCandidate: true)
        let cooldown = ICELiteConfiguration().addressProbeCooldown
        let attempts = ICELiteConfiguration().addressProbeAttempts
        // The same authenticated nomination replayed from the victim's address every 100 ms for
        // just under one cooldown: one round of `attempts` probes, nothing more.
        var sent = 0
        var now = at(2)
        let end = at(2) + cooldown
        while now < end {
            agent.handleSTUN(replayed[...], from: victim, now: now)
            sent += probes(agent.drain().outputs, to: victim)
            now = now + .milliseconds(100)
        }
        #expect(sent == attempts)
        #expect(agent.probesSent == attempts)
        #expect(agent.movesRefused == 1)
        // 50 nominations: the first starts the round, five more arrive during it (t = 2.1 … 2.5 s).
        #expect(agent.probesSuppressed == 44)
        #expect(agent.selectedAddress == address(10))
        // One cooldown after the first round began, one more round.
        agent.handleSTUN(replayed[...], from: victim, now: end)
        let next = agent.drain()
        #expect(probes(next.outputs, to: victim) == 1)
        #expect(agent.probesSent == attempts + 1)
    }

    @Test func theCooldownEndsExactlyAtItsLength() {
        var config = ICELiteConfiguration()
        config.addressProbeAttempts = 1
        var agent = connectedAgent(config)
        let b = address(20)
        agent.handleSTUN(peer.check(useCandidate: true)[...], from: b, now: at(2))
        let first = agent.drain()
        #expect(probes(first.outputs, to: b) == 1)
        agent.handleTimeout(now: at(2.2))
        #expect(agent.movesRefused == 1)
        let justBefore = Instant(nanoseconds: (at(2) + config.addressProbeCooldown).nanoseconds - 1)
        agent.handleSTUN(peer.check(useCandidate: true)[...], from: b, now: justBefore)
        let suppressed = agent.drain()
        #expect(probes(suppressed.outputs, to: b) == 0)
        agent.handleSTUN(peer.check(useCandidate: true)[...], from: b, now: at(2) + config.addressProbeCooldown)
        let again = agent.drain()
        #expect(probes(again.outputs, to: b) == 1)
    }

    @Test func theSessionBudgetCapsProbesOverManyClaimedAddresses() {
        var config = ICELiteConfiguration()
        config.addressProbeAttempts = 1
        config.maxValidatedAddresses = 64
        var agent = connectedAgent(config)
        // At the cap: `addressProbeBurst` different claimed addresses are each probed once.
        for index in 0..<config.addressProbeBurst {
            agent.handleSTUN(peer.check(useCandidate: true)[...], from: address(100 + UInt8(index)), now: at(2))
        }
        let burst = agent.drain()
        #expect(probes(burst.outputs) == config.addressProbeBurst)
        // One past it: not probed, counted.
        agent.handleSTUN(peer.check(useCandidate: true)[...], from: address(200), now: at(2))
        let past = agent.drain()
        #expect(probes(past.outputs) == 0)
        #expect(agent.probesSuppressed == 1)
        // The budget refills at `addressProbesPerSecond`.
        agent.handleSTUN(peer.check(useCandidate: true)[...], from: address(201), now: at(3))
        let refilled = agent.drain()
        #expect(probes(refilled.outputs, to: address(201)) == 1)
        #expect(agent.probesSent == config.addressProbeBurst + 1)
    }

    @Test func retransmittedProbesArePaidFromTheBudget() {
        var config = ICELiteConfiguration()
        config.addressProbeAttempts = 5
        config.addressProbeBurst = 2
        var agent = connectedAgent(config)
        let b = address(20)
        agent.handleSTUN(peer.check(useCandidate: true)[...], from: b, now: at(2))
        var sent = probes(agent.drain().outputs, to: b)
        var now = at(2)
        for _ in 0..<10 {
            now = now + config.addressProbeInterval
            agent.handleTimeout(now: now)
            sent += probes(agent.drain().outputs, to: b)
        }
        // Two from the burst; at t = 2.4 s only 0.4 tokens have refilled, so the round is given up.
        #expect(sent == 2)
        #expect(agent.movesRefused == 1)
    }

    @Test func aRealMoveIsProbedOnceAndCounted() throws {
        var agent = connectedAgent()
        let rebound = address(10, port: 50_001)
        agent.handleSTUN(peer.check(useCandidate: true)[...], from: rebound, now: at(5))
        let drained = agent.drain()
        let probe = try #require(drained.outputs.transmits.first { transmit in
            transmit.to == rebound && (try? STUNMessage(parsing: transmit.bytes[...]))?.type == .bindingRequest
        })
        let answer = try #require(peer.answer(probe: probe.bytes, from: rebound))
        let handled = agent.handleSTUN(answer[...], from: rebound, now: at(5.05))
        #expect(handled)
        let moved = agent.drain()
        #expect(moved.outputs.events == [.selectedAddressChanged(rebound)])
        #expect(agent.addressChanges == 1 && agent.probesSent == 1 && agent.movesRefused == 0)
    }
}
