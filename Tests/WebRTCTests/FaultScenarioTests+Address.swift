import ICE
import RTCBase
import Testing
import TestSupport
import WebRTC
import WebRTCTestSupport

/// Address moves: a NAT rebinding the gateway must follow, and a forged nomination it must not.
extension FaultScenarioTests {
    /// The browser's NAT rebinds 1 s into the stream: its next consent check (USE-CANDIDATE) comes
    /// from a new address, the gateway probes it, the browser answers. Criterion: media follows
    /// within 1 s of the first check from the new address, and none goes there before the probe
    /// was answered. Run on a clean network and with 10 % loss both ways (checks, probes and
    /// answers lost too; the gateway repeats its probe every 200 ms).
    @Test(arguments: [(0.0, UInt64(3)), (0.1, UInt64(31))])
    func mediaFollowsANATRebindingOnceTheProbeIsAnswered(loss: Double, seed: UInt64) throws {
        var pair = try Self.connectedPair(seed: seed)
        let link = NetworkEmulator.LinkConditions(loss: loss, delay: .milliseconds(10))
        pair.network.setConditions(link, from: pair.gatewayAddress)
        pair.network.setConditions(link, from: Self.browserAddress)
        let newAddress = try #require(TransportAddress(host: "198.51.100.20", port: 61_000))
        let rebindAt = pair.now + .seconds(1)
        pair.network.rebind(Self.browserAddress, to: newAddress, at: rebindAt)
        let sent = Self.stream(&pair, 0..<(6 * Self.packetsPerSecond))
        pair.advance(to: pair.now + .milliseconds(100))   // the last packets land

        let log = pair.network.log ?? []
        let fromNew = log.filter { $0.fate == .delivered && $0.datagram.source == newAddress }
        let firstCheck = try #require(fromNew.first { $0.isBindingRequest })
        let probeAnswered = try #require(fromNew.first { $0.isBindingSuccess })
        let mediaToNew = log.filter { $0.datagram.destination == newAddress && $0.isRTPMedia }
        let firstMedia = try #require(mediaToNew.first)
        let lostToOld = log.filter { $0.isRTPMedia && $0.fate == .unreachable }.count
        let follow = firstMedia.sentAt - firstCheck.at
        print("NAT rebinding (loss \(Int(loss * 100)) %): first check from the new address \(firstCheck.at - rebindAt) after the rebinding,",
              "probe answered \(probeAnswered.at - firstCheck.at) after it, media followed \(follow) after the check",
              "(outage \(firstMedia.sentAt - rebindAt), \(lostToOld) packets to the old address);",
              "media to the new address before the answer: \(mediaToNew.filter { $0.sentAt < probeAnswered.at }.count)")
        #expect(follow <= .seconds(1))
        #expect(mediaToNew.allSatisfy { $0.sentAt >= probeAnswered.at })
        #expect(mediaToNew.allSatisfy { $0.fate != .unreachable })
        #expect(pair.gateway.remoteAddress == newAddress)
        #expect(pair.browser.answeredChecks >= 1)
        // Everything sent after the move arrived (but for the link's own loss): the outage is the
        // only extra loss.
        let reception = try #require(pair.browser.receptions[Self.ssrc])
        let lostOnTheLink = log.filter { $0.isRTPMedia && $0.fate == .lost }.count
        #expect(reception.received == sent - lostToOld - lostOnTheLink)
        #expect(pair.gateway.isConnected)
    }

    /// Every 100 ms the viewer sends an authenticated check with USE-CANDIDATE from a spoofed
    /// source (a victim that never answers). Criterion: no media packet ever goes to the victim,
    /// the session's remote address never changes, the real browser gets every packet.
    @Test func aForgedNominationNeverMovesTheMedia() throws {
        var pair = try Self.connectedPair(seed: 4)
        let victim = try #require(TransportAddress(host: "203.0.113.7", port: 40_000))
        var forged = 0
        var ticksElsewhere = 0
        let sent = Self.stream(&pair, 0..<(3 * Self.packetsPerSecond)) { pair, index in
            if pair.gateway.remoteAddress != Self.browserAddress { ticksElsewhere += 1 }
            guard index % 30 == 0, let check = ICECheckRequest.make(local: pair.browser.credentials,
                                                                    remote: pair.gateway.localICECredentials,
                                                                    tieBreaker: 7) else { return }
            forged += 1
            pair.inject(check.bytes, from: victim, to: pair.gatewayAddress)
        }
        pair.advance(to: pair.now + .seconds(2))   // the last probe gives up

        let toVictim = (pair.network.log ?? []).filter { $0.datagram.destination == victim }
        let probes = toVictim.filter(\.isBindingRequest).count
        let reception = try #require(pair.browser.receptions[Self.ssrc])
        print("forged nomination: \(forged) forged checks; to the victim: \(toVictim.filter(\.isProtected).count) media,",
              "\(probes) probes, \(toVictim.filter(\.isBindingSuccess).count) check responses;",
              "browser got \(reception.received)/\(sent)")
        #expect(forged == 30)
        #expect(toVictim.filter(\.isProtected).isEmpty)
        #expect(ticksElsewhere == 0)
        #expect(pair.gateway.remoteAddress == Self.browserAddress)
        #expect(reception.received == sent)
        #expect(probes <= forged * ICELiteConfiguration().addressProbeAttempts)
    }
}
