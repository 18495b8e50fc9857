import ICE
import RTCBase
import RTP
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

extension FaultScenarioTests {
    /// A rebinding outage seen by a NACKing browser: once media follows the new address the
    /// browser asks for the whole gap (about 1.6 s, ~480 packets) at once, again every RTT.
    /// Criterion: the gateway never resends more than its budget allows (in any window of 100 ms,
    /// 300 ms or 1 s at most burst + rate × window; the rest is refused and counted), and once the
    /// browser's retries are served ≥ 99 % of the stream has arrived.
    @Test func aRebindingOutageIsRepairedWithinTheRetransmissionBudget() throws {
        var pair = try Self.connectedPair(seed: 12)
        var nack = NACKGenerator.Configuration()
        nack.initialDelay = .milliseconds(15)
        nack.initialRoundTripTime = .milliseconds(60)
        pair.browser.nack = nack
        let link = NetworkEmulator.LinkConditions(delay: .milliseconds(10))
        pair.network.setConditions(link, from: pair.gatewayAddress)
        pair.network.setConditions(link, from: Self.browserAddress)
        let newAddress = try #require(TransportAddress(host: "198.51.100.21", port: 61_001))
        let began = pair.now
        pair.network.rebind(Self.browserAddress, to: newAddress, at: pair.now + .seconds(1))
        let sent = Self.stream(&pair, 0..<(5 * Self.packetsPerSecond))
        pair.advance(to: pair.now + .seconds(1))
        let elapsed = pair.now - began

        let limits = WebRTCLimits()
        let budget = limits.maxRetransmitBurst + Int(Double(limits.maxRetransmitsPerSecond) * elapsed.secondsDouble)
        let counters = pair.gateway.counters
        let reception = try #require(pair.browser.receptions[Self.ssrc])
        let lostToOld = (pair.network.log ?? []).filter { $0.isRTPMedia && $0.fate == .unreachable }.count
        let delivered = Self.percent(reception.received, of: sent)
        // Resends in the log: media with a sequence number sent before. The most in any 100 ms.
        var seen = Set<Int>()
        let resent = (pair.network.log ?? []).filter {
            $0.datagram.source == pair.gatewayAddress && $0.isRTPMedia && !seen.insert($0.rtpSequenceNumber).inserted
        }.map(\.sentAt)
        // In any window of w ms the bucket allows at most burst + rate × w.
        var busiest: [Int: Int] = [:]
        for milliseconds in [100, 300, 1_000] {
            var first = 0
            for last in resent.indices {
                while resent[last] - resent[first] >= .milliseconds(milliseconds) { first += 1 }
                busiest[milliseconds] = max(busiest[milliseconds] ?? 0, last - first + 1)
            }
        }
        let overBudget = busiest.filter { milliseconds, count in
            count > limits.maxRetransmitBurst + limits.maxRetransmitsPerSecond * milliseconds / 1_000
        }
        print("rebinding outage with NACK: \(lostToOld) packets to the old address; NACKed \(reception.nackedPackets),",
              "retransmissions \(counters.retransmissions) (budget \(budget)), refused \(counters.retransmissionsRefused),",
              "most per window (ms: packets) \(busiest.sorted { $0.key < $1.key }); delivered \(reception.received)/\(sent) = \(delivered) %")
        #expect(resent.count == counters.retransmissions)
        #expect(overBudget.isEmpty, "\(overBudget)")
        #expect(counters.retransmissionsRefused > 0)
        #expect(pair.gateway.remoteAddress == newAddress)
        #expect(lostToOld > limits.maxRetransmitBurst)
        #expect(counters.retransmissions <= budget)
        #expect(delivered >= 99, "delivered \(delivered) %")
    }
}
