import RTCBase
import RTP
import Testing
import TestSupport
import WebRTC
import WebRTCTestSupport

/// Engine-level fault scenarios (#8) on virtual time over the seeded network emulator: a gateway
/// session streams 300 packets/s to the browser stand-in while the network loses, delays,
/// reorders, duplicates or rebinds. Each test has a numeric pass criterion and prints its figures.
@Suite struct FaultScenarioTests {
    static let ssrc: UInt32 = 0xFA17
    static let packetsPerSecond = 300
    static let packetInterval = Duration.seconds(1) / packetsPerSecond
    static let payload = [UInt8](repeating: 0x5A, count: 160)
    static var browserAddress: TransportAddress { WebRTCSessionTests.browserAddress }

    /// A connected pair (handshake over a perfect network) with the outbound stream declared, the
    /// network reseeded for the scenario and its log on.
    static func connectedPair(seed: UInt64) throws -> PeerPairDriver {
        var pair = try WebRTCSessionTests.makePair()
        try #require(pair.run { $0.gateway.isConnected && $0.browser.isConnected })
        pair.gateway.addOutboundStream(ssrc: ssrc, clockRate: 90000)
        pair.network.reseed(seed)
        pair.network.log = []
        return pair
    }

    static func packet(_ index: Int) -> OutgoingRTP {
        OutgoingRTP(payloadType: 102, marker: index % 10 == 9, sequenceNumber: UInt16(truncatingIfNeeded: index),
                    timestamp: UInt32(truncatingIfNeeded: index * 300), ssrc: ssrc, payload: payload[...])
    }

    /// Sends the packets `indices` at 300/s from now on, running the network in between (`tick`
    /// runs before each packet); returns how many the session sent.
    @discardableResult
    static func stream(_ pair: inout PeerPairDriver, _ indices: Range<Int>,
                       tick: (inout PeerPairDriver, Int) -> Void = { _, _ in }) -> Int {
        let start = pair.now
        var sent = 0
        for index in indices {
            pair.advance(to: start + packetInterval * (index - indices.lowerBound))
            tick(&pair, index)
            if pair.sendRTP(packet(index)) { sent += 1 }
        }
        pair.advance(to: start + packetInterval * indices.count)
        return sent
    }

    static func percent(_ part: Int, of whole: Int) -> Double {
        whole == 0 ? 0 : Double(part) * 100 / Double(whole)
    }

    /// 1, 5 and 10 % random loss in both directions, RTT 30–50 ms (15 ms each way plus up to 10 ms
    /// jitter); the browser NACKs gaps like a browser's receiver. Criterion: delivered after
    /// retransmission ≥ 99 % (1 %, 5 %) and ≥ 97 % (10 %), and retransmissions within the
    /// session's budget (none refused, at most burst + rate × duration).
    @Test(arguments: [(0.01, 99.0, UInt64(101)), (0.05, 99.0, UInt64(105)), (0.10, 97.0, UInt64(110))])
    func nackRecoversRandomLoss(loss: Double, requiredPercent: Double, seed: UInt64) throws {
        var pair = try Self.connectedPair(seed: seed)
        var nack = NACKGenerator.Configuration()
        nack.initialDelay = .milliseconds(15)
        nack.initialRoundTripTime = .milliseconds(60)
        pair.browser.nack = nack
        let link = NetworkEmulator.LinkConditions(loss: loss, delay: .milliseconds(15), jitter: .milliseconds(10))
        pair.network.setConditions(link, from: pair.gatewayAddress)
        pair.network.setConditions(link, from: Self.browserAddress)
        let began = pair.now
        let count = 10 * Self.packetsPerSecond
        let sent = Self.stream(&pair, 0..<count)
        pair.advance(to: pair.now + .seconds(1))   // the last NACK rounds
        let elapsed = pair.now - began

        #expect(sent == count)
        let reception = try #require(pair.browser.receptions[Self.ssrc])
        let delivered = Self.percent(reception.received, of: sent)
        let lostOnTheWay = (pair.network.log ?? []).filter { $0.fate == .lost && $0.isRTPMedia }.count
        let counters = pair.gateway.counters
        let limits = WebRTCLimits()
        let budget = limits.maxRetransmitBurst + Int(Double(limits.maxRetransmitsPerSecond) * elapsed.secondsDouble)
        print("loss \(Int(loss * 100)) %: delivered \(reception.received)/\(sent) = \(delivered) % after NACK,",
              "unrecovered \(sent - reception.received), media datagrams lost \(lostOnTheWay),",
              "NACKed \(reception.nackedPackets), retransmissions \(counters.retransmissions) (budget \(budget)),",
              "refused \(counters.retransmissionsRefused), replays at the browser \(pair.browser.srtp?.counters.replayFailures ?? -1)")
        #expect(delivered >= requiredPercent, "delivered \(delivered) %")
        #expect(lostOnTheWay > 0)
        #expect(counters.retransmissionsRefused == 0)
        #expect(counters.retransmissions <= budget)
        #expect(pair.browser.srtp?.counters.authenticationFailures == 0)
    }

    /// 10 % duplication and 10 % reordering (held back up to 20 ms) from gateway to browser.
    /// Criterion: the browser decrypts every packet once, no authentication failures; exactly the
    /// duplicates are rejected by its replay window; no NACK goes out for a merely late packet.
    @Test func duplicationAndReorderingAreAbsorbed() throws {
        var pair = try Self.connectedPair(seed: 77)
        var nack = NACKGenerator.Configuration()
        nack.initialDelay = .milliseconds(30)
        pair.browser.nack = nack
        pair.network.setConditions(NetworkEmulator.LinkConditions(delay: .milliseconds(20), jitter: .milliseconds(20),
                                                                  reorder: 0.1, duplication: 0.1),
                                   from: pair.gatewayAddress)
        let sent = Self.stream(&pair, 0..<(10 * Self.packetsPerSecond))
        pair.advance(to: pair.now + .seconds(1))

        let toBrowser = (pair.network.log ?? []).filter {
            $0.fate == .delivered && $0.datagram.source == pair.gatewayAddress && $0.isProtected
        }
        let duplicates = toBrowser.filter(\.isDuplicate).count
        var highest = -1
        var reordered = 0
        for record in toBrowser where !record.isDuplicate && record.isRTPMedia {
            let sequence = record.rtpSequenceNumber
            if sequence < highest { reordered += 1 } else { highest = sequence }
        }
        let reception = try #require(pair.browser.receptions[Self.ssrc])
        let srtp = try #require(pair.browser.srtp)
        print("duplication/reorder: sent \(sent), decrypted \(reception.received), reordered \(reordered),",
              "duplicates delivered \(duplicates), replay rejections \(srtp.counters.replayFailures),",
              "auth failures \(srtp.counters.authenticationFailures), retransmissions \(pair.gateway.counters.retransmissions)")
        #expect(reordered > 0 && duplicates > 0)
        #expect(reception.received == sent)
        #expect(srtp.counters.authenticationFailures == 0)
        #expect(srtp.counters.replayFailures == duplicates)
        #expect(pair.browser.undecryptable == duplicates)
        #expect(pair.gateway.counters.retransmissions == 0)
    }
}

extension NetworkEmulator.Record {
    /// SRTP or SRTCP (RFC 7983: first byte 128...191).
    var isProtected: Bool { datagram.bytes.first.map { (128...191).contains($0) } ?? false }
    /// SRTP carrying RTP (not RTCP).
    var isRTPMedia: Bool { isProtected && !RTPPacket.looksLikeRTCP(datagram.bytes) }
    /// The RTP sequence number (sent in the clear).
    var rtpSequenceNumber: Int { datagram.bytes.count >= 4 ? Int(datagram.bytes[2]) << 8 | Int(datagram.bytes[3]) : -1 }
    /// STUN message type 0x0001 (RFC 8489 §5).
    var isBindingRequest: Bool { datagram.bytes.starts(with: [0x00, 0x01]) }
    /// STUN message type 0x0101.
    var isBindingSuccess: Bool { datagram.bytes.starts(with: [0x01, 0x01]) }
}
