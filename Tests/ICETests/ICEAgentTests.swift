import ICE
import RTCBase
import STUN
import Testing

/// Two full agents (and a full agent against the ICE-lite agent) on `ICETestbed`: virtual time,
/// 5 ms one-way delay unless a test says otherwise. Connect times are printed as "ICE-METRIC".
@Suite struct ICEAgentTests {
    let aCredentials = ICECredentials(ufrag: "aaaa", password: "aaaaaaaaaaaaaaaaaaaaaaaa")
    let bCredentials = ICECredentials(ufrag: "bbbb", password: "bbbbbbbbbbbbbbbbbbbbbbbb")
    let aHost = host(10, 0, 0, 2, port: 5000)
    let bHost = host(198, 51, 100, 2, port: 6000)

    func fullPeer(_ role: ICERole, _ local: ICECredentials, _ remote: ICECredentials, hosts: [TransportAddress],
                  tieBreaker: UInt64? = nil, configuration: ICEAgentConfiguration = .init(), nat: EmulatedNAT? = nil)
        -> TestPeer {
        var agent = ICEAgent(role: role, local: local, remote: remote, tieBreaker: tieBreaker,
                             configuration: configuration, now: at(0))
        for (index, address) in hosts.enumerated() {
            agent.addLocalCandidate(ICECandidate(type: .host, address: address,
                                                 localPreference: UInt16(65535 - index)), now: at(0))
        }
        return TestPeer(engine: .full(agent), hosts: hosts, nat: nat)
    }

    /// Exchanges host candidates (and any server-reflexive ones learnt so far).
    func signal(_ bed: inout ICETestbed, from source: Int, to target: Int) {
        for candidate in bed.peers[source].agent.localCandidates {
            bed.peers[target].agent.addRemoteCandidate(candidate, now: bed.now)
        }
    }

    /// A (controlling, 192.0.2.1:5000) and B (controlled, `bHost`), host candidates exchanged.
    func hostPairBed(loss: Double = 0) -> ICETestbed {
        var bed = ICETestbed(now: at(0))
        bed.loss = loss
        let a = bed.add(fullPeer(.controlling, aCredentials, bCredentials, hosts: [host(192, 0, 2, 1, port: 5000)]))
        let b = bed.add(fullPeer(.controlled, bCredentials, aCredentials, hosts: [bHost]))
        signal(&bed, from: a, to: b)
        signal(&bed, from: b, to: a)
        return bed
    }

    static func connected(_ peer: TestPeer) -> Bool {
        if case .full(let agent) = peer.engine { return agent.state == .connected && agent.selectedPair != nil }
        return peer.liteEvents.contains { if case .connected = $0.event { true } else { false } }
    }

    @Test func hostCandidatesConnectControllingToControlled() throws {
        var bed = hostPairBed()
        let (a, b) = (0, 1)
        let ran1 = bed.run(for: .seconds(5)) { Self.connected($0.peers[0]) && Self.connected($0.peers[1]) }
        #expect(ran1)
        let agentA = bed.peers[a].agent
        let agentB = bed.peers[b].agent
        #expect(agentA.selectedPair?.remote.address == bHost)
        #expect(agentB.selectedPair?.remote.address == host(192, 0, 2, 1, port: 5000))
        let connectA = try #require(agentA.connectedAt) - at(0)
        let connectB = try #require(agentB.connectedAt) - at(0)
        print("ICE-METRIC host pair: controlling connected after \(connectA), controlled after \(connectB);",
              "checks sent A=\(agentA.checksSent) B=\(agentB.checksSent)")
        // One round trip for the check, one for the nominating check (5 ms each way).
        #expect(connectA <= .milliseconds(30))
        #expect(connectB <= .milliseconds(30))
        #expect(agentA.checksSent <= 3 && agentB.checksSent <= 3)
        #expect(bed.peers[a].events.contains { $0.event == .stateChanged(.checking) })
        #expect(bed.peers[a].events.contains { if case .selectedPairChanged = $0.event { true } else { false } })
    }

    @Test func addressDependentNATConnectsThroughPeerReflexiveCandidates() throws {
        var bed = ICETestbed(now: at(0))
        let nat = EmulatedNAT(publicIP: [203, 0, 113, 1], mapping: .addressDependent)
        let a = bed.add(fullPeer(.controlling, aCredentials, bCredentials, hosts: [aHost], nat: nat))
        let b = bed.add(fullPeer(.controlled, bCredentials, aCredentials, hosts: [bHost]))
        bed.peers[a].agent.gatherServerReflexive(server: bed.stunServer, base: aHost, now: bed.now)
        let ran2 = bed.run(for: .seconds(1)) { $0.peers[0].agent.localCandidates.count == 2 }
        #expect(ran2)
        let srflx = try #require(bed.peers[a].agent.localCandidates.last)
        #expect(srflx.type == .serverReflexive && srflx.base == aHost && srflx.address.ip == [203, 0, 113, 1])
        #expect(bed.peers[a].events.contains { $0.event == .localCandidate(srflx) })
        let start = bed.now
        signal(&bed, from: a, to: b)
        signal(&bed, from: b, to: a)
        let ran3 = bed.run(for: .seconds(10)) { Self.connected($0.peers[0]) && Self.connected($0.peers[1]) }
        #expect(ran3)
        let agentB = bed.peers[b].agent
        // The mapping towards B is not the one the STUN server saw: B learns A as peer-reflexive.
        let remoteOfB = try #require(agentB.selectedPair?.remote)
        #expect(remoteOfB.type == .peerReflexive)
        #expect(remoteOfB.address.ip == [203, 0, 113, 1] && remoteOfB.address != srflx.address)
        #expect(bed.peers[a].agent.selectedPair?.local.type == .peerReflexive)
        print("ICE-METRIC address-dependent NAT: connected after",
              (bed.peers[a].agent.connectedAt ?? bed.now) - start, "(A),", (agentB.connectedAt ?? bed.now) - start,
              "(B); checks A=\(bed.peers[a].agent.checksSent) B=\(agentB.checksSent)")
    }

    @Test func endpointIndependentNATConnectsOnTheServerReflexiveCandidate() throws {
        var bed = ICETestbed(now: at(0))
        let nat = EmulatedNAT(publicIP: [203, 0, 113, 1], mapping: .endpointIndependent)
        let a = bed.add(fullPeer(.controlled, aCredentials, bCredentials, hosts: [aHost], nat: nat))
        let b = bed.add(fullPeer(.controlling, bCredentials, aCredentials, hosts: [bHost]))
        bed.peers[a].agent.gatherServerReflexive(server: bed.stunServer, base: aHost, now: bed.now)
        let ran4 = bed.run(for: .seconds(1)) { $0.peers[0].agent.localCandidates.count == 2 }
        #expect(ran4)
        signal(&bed, from: a, to: b)
        signal(&bed, from: b, to: a)
        let ran5 = bed.run(for: .seconds(10)) { Self.connected($0.peers[0]) && Self.connected($0.peers[1]) }
        #expect(ran5)
        let remoteOfB = try #require(bed.peers[b].agent.selectedPair?.remote)
        #expect(remoteOfB.type == .serverReflexive)
        print("ICE-METRIC endpoint-independent NAT (srflx): connected after",
              (bed.peers[b].agent.connectedAt ?? bed.now) - at(0), "incl. gathering;",
              "checks A=\(bed.peers[a].agent.checksSent) B=\(bed.peers[b].agent.checksSent)")
    }

    @Test func bothBehindAddressDependentNATsConnectThroughTheRelayedCandidate() throws {
        var bed = ICETestbed(now: at(0))
        let relayed = host(198, 51, 100, 200, port: 49_152)
        let a = bed.add(fullPeer(.controlling, aCredentials, bCredentials, hosts: [aHost],
                                 nat: EmulatedNAT(publicIP: [203, 0, 113, 1], mapping: .addressDependent)))
        let b = bed.add(fullPeer(.controlled, bCredentials, aCredentials, hosts: [host(10, 1, 0, 2, port: 6000)],
                                 nat: EmulatedNAT(publicIP: [203, 0, 113, 2], mapping: .addressDependent)))
        bed.relays[relayed] = a
        bed.peers[a].agent.addLocalCandidate(ICECandidate(type: .relayed, address: relayed), now: bed.now)
        signal(&bed, from: a, to: b)
        signal(&bed, from: b, to: a)
        let ran = bed.run(for: .seconds(10)) { Self.connected($0.peers[0]) && Self.connected($0.peers[1]) }
        #expect(ran)
        let pair = try #require(bed.peers[a].agent.selectedPair)
        #expect(pair.local.type == .relayed && pair.local.base == relayed)
        #expect(pair.remote.address.ip == [203, 0, 113, 2])
        #expect(bed.peers[b].agent.selectedPair?.remote.address == relayed)
        print("ICE-METRIC relay only (both behind address-dependent NATs): connected after",
              (bed.peers[a].agent.connectedAt ?? bed.now) - at(0),
              "checks A=\(bed.peers[a].agent.checksSent) B=\(bed.peers[b].agent.checksSent)")
    }

    @Test(arguments: [ICERole.controlling, ICERole.controlled])
    func roleConflictIsResolvedByTieBreaker(role: ICERole) throws {
        var bed = ICETestbed(now: at(0))
        let a = bed.add(fullPeer(role, aCredentials, bCredentials, hosts: [host(192, 0, 2, 1, port: 5000)], tieBreaker: 100))
        let b = bed.add(fullPeer(role, bCredentials, aCredentials, hosts: [bHost], tieBreaker: 200))
        signal(&bed, from: a, to: b)
        signal(&bed, from: b, to: a)
        let ran6 = bed.run(for: .seconds(5)) { Self.connected($0.peers[0]) && Self.connected($0.peers[1]) }
        #expect(ran6)
        let agentA = bed.peers[a].agent
        let agentB = bed.peers[b].agent
        // The larger tie-breaker (B) ends controlling (RFC 8445 §7.3.1.1).
        #expect(agentB.role == .controlling)
        #expect(agentA.role == .controlled)
        #expect(agentA.roleConflicts + agentB.roleConflicts >= 1)
        print("ICE-METRIC role conflict (both \(role)): connected after \((agentA.connectedAt ?? bed.now) - at(0));",
              "conflicts A=\(agentA.roleConflicts) B=\(agentB.roleConflicts)")
    }

    @Test func lossyLinkStillConnects() throws {
        var bed = hostPairBed(loss: 0.3)
        let a = 0
        let ran7 = bed.run(for: .seconds(15)) { Self.connected($0.peers[0]) && Self.connected($0.peers[1]) }
        #expect(ran7)
        print("ICE-METRIC 30% loss: connected after \((bed.peers[a].agent.connectedAt ?? bed.now) - at(0)),",
              "lost \(bed.lost) datagrams")
    }

    @Test func consentFailsAfterThirtySecondsOfSilence() throws {
        var bed = hostPairBed()
        let (a, b) = (0, 1)
        let ran8 = bed.run(for: .seconds(5)) { Self.connected($0.peers[0]) && Self.connected($0.peers[1]) }
        #expect(ran8)
        // Consent keeps the session up for a minute.
        bed.run(for: .seconds(60))
        #expect(bed.peers[a].agent.state == .connected)
        #expect(bed.peers[a].agent.consentChecksSent >= 10)
        let silencedAt = bed.now
        bed.peers[b].silenced = true
        let ran9 = bed.run(for: .seconds(40)) { $0.peers[0].agent.state == .failed }
        #expect(ran9)
        let disconnected = try #require(bed.peers[a].firstTime { $0 == .stateChanged(.disconnected) })
        let failed = try #require(bed.peers[a].firstTime { $0 == .stateChanged(.failed) })
        // The last consent answer came at most ~6 s (one randomized interval) before the silence.
        #expect(failed - silencedAt >= .seconds(24) && failed - silencedAt <= .seconds(30))
        #expect(disconnected < failed)
        #expect(bed.peers[a].agent.selectedPair == nil)
        print("ICE-METRIC consent: disconnected \(disconnected - silencedAt), failed \(failed - silencedAt) after silence")
    }

    @Test func restartReconnectsWithNewCredentials() throws {
        var bed = hostPairBed()
        let (a, b) = (0, 1)
        let ran10 = bed.run(for: .seconds(5)) { Self.connected($0.peers[0]) && Self.connected($0.peers[1]) }
        #expect(ran10)
        bed.run(for: .seconds(1))
        let newA = ICECredentials(ufrag: "AAAA", password: "AAAAAAAAAAAAAAAAAAAAAAAA")
        let newB = ICECredentials(ufrag: "BBBB", password: "BBBBBBBBBBBBBBBBBBBBBBBB")
        let before = bed.peers[a].events.count
        let restartAt = bed.now
        bed.peers[a].agent.restart(local: newA, remote: newB, now: bed.now)
        bed.peers[b].agent.restart(local: newB, remote: newA, now: bed.now)
        #expect(bed.peers[a].agent.state == .checking)
        // Media keeps its pair while the new checks run.
        #expect(bed.peers[a].agent.selectedPair != nil)
        signal(&bed, from: a, to: b)
        signal(&bed, from: b, to: a)
        let ran11 = bed.run(for: .seconds(5)) { Self.connected($0.peers[0]) && Self.connected($0.peers[1]) }
        #expect(ran11)
        #expect(bed.peers[a].agent.local == newA)
        #expect(bed.peers[a].events[before...].contains { $0.event == .stateChanged(.connected) })
        // Consent runs with the new credentials.
        bed.run(for: .seconds(40))
        #expect(bed.peers[a].agent.state == .connected && bed.peers[b].agent.state == .connected)
        print("ICE-METRIC restart: reconnected after",
              (bed.peers[a].events[before...].first { $0.event == .stateChanged(.connected) }?.at ?? bed.now) - restartAt)
    }

    @Test func connectsToTheICELiteAgent() throws {
        var bed = ICETestbed(now: at(0))
        let a = bed.add(fullPeer(.controlling, aCredentials, bCredentials, hosts: [host(192, 0, 2, 1, port: 5000)]))
        let lite = ICELiteAgent(local: bCredentials, remote: aCredentials, now: at(0))
        let b = bed.add(TestPeer(engine: .lite(lite), hosts: [bHost]))
        bed.peers[a].agent.addRemoteCandidate(ICECandidate(type: .host, address: bHost), now: bed.now)
        let ran12 = bed.run(for: .seconds(5)) { Self.connected($0.peers[0]) && Self.connected($0.peers[1]) }
        #expect(ran12)
        #expect(bed.peers[b].liteEvents.first?.event == .connected(host(192, 0, 2, 1, port: 5000)))
        let agentA = bed.peers[a].agent
        print("ICE-METRIC full->lite: connected after \((agentA.connectedAt ?? bed.now) - at(0)),",
              "checks \(agentA.checksSent)")
        // Consent against the lite agent holds.
        bed.run(for: .seconds(40))
        #expect(bed.peers[a].agent.state == .connected)
        guard case .lite(let liteAfter) = bed.peers[b].engine else { return }
        #expect(!liteAfter.isConsentExpired)
    }

    @Test func higherPriorityPairWinsWhenSeveralWork() throws {
        var bed = ICETestbed(now: at(0))
        let a = bed.add(fullPeer(.controlling, aCredentials, bCredentials,
                                 hosts: [host(192, 0, 2, 1, port: 5000), host(192, 0, 2, 11, port: 5001)]))
        let b = bed.add(fullPeer(.controlled, bCredentials, aCredentials,
                                 hosts: [bHost, host(198, 51, 100, 3, port: 6001)]))
        signal(&bed, from: a, to: b)
        signal(&bed, from: b, to: a)
        let ran13 = bed.run(for: .seconds(5)) { Self.connected($0.peers[0]) && Self.connected($0.peers[1]) }
        #expect(ran13)
        #expect(bed.peers[a].agent.selectedPair?.local.base == host(192, 0, 2, 1, port: 5000))
        #expect(bed.peers[a].agent.selectedPair?.remote.address == bHost)
    }

    @Test func unreachablePeerFails() {
        var bed = ICETestbed(now: at(0))
        var configuration = ICEAgentConfiguration()
        configuration.maxCheckAttempts = 3
        let a = bed.add(fullPeer(.controlling, aCredentials, bCredentials, hosts: [host(192, 0, 2, 1, port: 5000)],
                                 configuration: configuration))
        bed.peers[a].agent.addRemoteCandidate(ICECandidate(type: .host, address: host(192, 0, 2, 99, port: 1)),
                                              now: bed.now)
        let ran14 = bed.run(for: .seconds(10)) { $0.peers[0].agent.state == .failed }
        #expect(ran14)
        #expect(bed.peers[a].agent.checksSent == 3)
    }

    // MARK: caps and drops

    @Test func remoteCandidateAndPairCapsAtTheLimitAndOnePast() {
        var configuration = ICEAgentConfiguration()
        configuration.maxRemoteCandidates = 4
        configuration.maxPairs = 3
        var agent = ICEAgent(role: .controlling, local: aCredentials, remote: bCredentials, configuration: configuration,
                             now: at(0))
        agent.addLocalCandidate(ICECandidate(type: .host, address: aHost), now: at(0))
        for index in 0..<4 {
            let added = agent.addRemoteCandidate(ICECandidate(type: .host, address: host(198, 51, 100, UInt8(10 + index),
                                                                                         port: 7000)), now: at(0))
            #expect(added)
        }
        let fifth = agent.addRemoteCandidate(ICECandidate(type: .host, address: host(198, 51, 100, 20, port: 7000)),
                                             now: at(0))
        #expect(!fifth)
        #expect(agent.remoteCandidates.count == 4)
        // A peer-reflexive candidate past the cap is answered nothing and counted.
        let check = ICECheckRequest.make(local: bCredentials, remote: aCredentials, tieBreaker: 1, priority: 1,
                                         controlling: false, useCandidate: false, transaction: .random())
        let handled = agent.handleSTUN((check?.bytes ?? [])[...], from: host(198, 51, 100, 99, port: 1), to: aHost,
                                       now: at(0))
        #expect(!handled)
        #expect(agent.lastDropReason == .overCapacity)
        // Only maxPairs checks ever go out, however long it runs.
        var sent = Set<TransportAddress>()
        var now = at(0)
        for _ in 0..<200 {
            while true {
                let output = agent.poll()
                if case .transmit(_, _, let to) = output { sent.insert(to) }
                if case .timeout(let deadline) = output {
                    now = max(now, deadline)
                    break
                }
            }
            if now > at(30) { break }
            agent.handleTimeout(now: now)
        }
        #expect(sent.count == 3)
        #expect(agent.state == .failed)
    }

    @Test func unauthenticatedAndMalformedDatagramsAreDroppedAndCounted() {
        var agent = ICEAgent(role: .controlled, local: aCredentials, remote: bCredentials, now: at(0))
        agent.addLocalCandidate(ICECandidate(type: .host, address: aHost), now: at(0))
        let source = host(198, 51, 100, 9, port: 9)
        let wrongPassword = ICECredentials(ufrag: aCredentials.ufrag, password: "wrongwrongwrongwrongwrong")
        let forged = ICECheckRequest.make(local: bCredentials, remote: wrongPassword, tieBreaker: 1, priority: 1,
                                          controlling: true, useCandidate: true, transaction: .random())
        let forgedHandled = agent.handleSTUN((forged?.bytes ?? [])[...], from: source, to: aHost, now: at(0))
        #expect(!forgedHandled)
        #expect(agent.lastDropReason == .badIntegrity)
        let garbage: [UInt8] = [0, 1, 0, 4, 0x21, 0x12, 0xa4, 0x42] + [UInt8](repeating: 7, count: 16)
        let garbageHandled = agent.handleSTUN(garbage[...], from: source, to: aHost, now: at(0))
        #expect(!garbageHandled)
        let stray = STUNMessage(type: .bindingSuccess, transactionID: .random(), attributes: [.xorMappedAddress(source)])
        let strayHandled = agent.handleSTUN(((try? stray.encoded()) ?? [])[...], from: source, to: aHost, now: at(0))
        #expect(!strayHandled)
        #expect(agent.lastDropReason == .unexpectedResponse)
        let good = ICECheckRequest.make(local: bCredentials, remote: aCredentials, tieBreaker: 1, priority: 1,
                                        controlling: true, useCandidate: false, transaction: .random())
        let wrongBase = agent.handleSTUN((good?.bytes ?? [])[...], from: source, to: host(10, 9, 9, 9, port: 9), now: at(0))
        #expect(!wrongBase)
        #expect(agent.lastDropReason == .unknownLocalBase)
        #expect(agent.droppedDatagrams == 4)
        #expect(agent.remoteCandidates.isEmpty)
    }
}
