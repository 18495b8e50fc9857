import DTLS
import RTCBase
import RTP
import Testing
import TestSupport
import WebRTC
import WebRTCTestSupport

/// Silence, replays and a stranger's handshake.
extension FaultScenarioTests {
    static func isClosed(_ event: WebRTCSession.Event) -> Bool {
        if case .closed = event { true } else { false }
    }

    /// The browser goes silent (everything it sends is lost) while media flows. Criterion: the
    /// session emits `.closed` within 30 s plus one check interval (2.5 s) of the silence, and
    /// sends no media after.
    @Test func consentLossClosesTheSession() throws {
        var pair = try Self.connectedPair(seed: 5)
        Self.stream(&pair, 0..<Self.packetsPerSecond)
        let silentSince = pair.now
        pair.network.setConditions(NetworkEmulator.LinkConditions(loss: 1), from: Self.browserAddress)
        var closedAt: Instant?
        Self.stream(&pair, Self.packetsPerSecond..<(40 * Self.packetsPerSecond)) { pair, _ in
            if closedAt == nil, pair.gatewayEvents.contains(where: Self.isClosed) { closedAt = pair.now }
        }
        let closed = try #require(closedAt)
        let elapsed = closed - silentSince
        let reason = pair.gatewayEvents.compactMap { if case .closed(let reason) = $0 { reason } else { nil } }
        let mediaAfter = (pair.network.log ?? []).filter { $0.isRTPMedia && $0.sentAt > closed }.count
        print("consent loss: closed \(elapsed) after the browser went silent (\(reason)); media after: \(mediaAfter)")
        #expect(elapsed <= .seconds(30) + .milliseconds(2500))
        #expect(elapsed >= .seconds(30) - .milliseconds(2500))
        #expect(reason.count == 1 && reason.first?.contains("consent") == true)
        #expect(mediaAfter == 0)
        #expect(!pair.gateway.isConnected)
    }

    /// The network duplicates every datagram from the browser (a publisher's RTP and its RTCP
    /// PLIs): each copy is a replay. Criterion: every packet is delivered once, every duplicate is
    /// rejected and counted, the session carries on; a replay from another address is dropped.
    @Test func replayedSRTPIsRejectedAndCounted() throws {
        var pair = try Self.connectedPair(seed: 6)
        pair.gateway.expectInbound(payloadType: 111, clockRate: 48000)
        pair.network.setConditions(NetworkEmulator.LinkConditions(duplication: 1), from: Self.browserAddress)
        var captured: [[UInt8]] = []
        for index in 0..<100 {
            pair.advance(to: pair.now + .milliseconds(20))
            let rtp = RTPPacket(payloadType: 111, sequenceNumber: UInt16(index), timestamp: UInt32(index * 960), ssrc: 0x5EED,
                                marker: false, payload: [UInt8](repeating: 1, count: 80))
            let datagram = try #require(pair.browser.protectRTP(rtp))
            captured.append(datagram)
            pair.inject(datagram, from: Self.browserAddress, to: pair.gatewayAddress)
            if index % 10 == 0 {
                pair.browser.sendRTCP([.pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: Self.ssrc))])
            }
        }
        pair.advance(to: pair.now + .milliseconds(100))
        let duplicates = (pair.network.log ?? []).filter {
            $0.isDuplicate && $0.fate == .delivered && $0.isProtected && $0.datagram.destination == pair.gatewayAddress
        }.count
        let rtpEvents = pair.gatewayEvents.filter { if case .rtp = $0 { true } else { false } }.count
        let keyframeRequests = pair.gatewayEvents.filter { $0 == .keyframeRequested(ssrc: Self.ssrc) }.count
        print("SRTP replay: \(rtpEvents) RTP and \(keyframeRequests) PLIs delivered once; \(duplicates) duplicates,",
              "\(pair.gateway.counters.srtpReplays) rejected as replays")
        #expect(rtpEvents == 100)
        #expect(keyframeRequests == 10)
        #expect(duplicates == 110)
        #expect(pair.gateway.counters.srtpReplays == duplicates)
        #expect(pair.gateway.counters.srtpAuthFailures == 0)
        #expect(pair.gateway.isConnected)

        // The same packets replayed by someone else: dropped before decryption.
        let attacker = try #require(TransportAddress(host: "192.0.2.66", port: 9_999))
        let droppedBefore = pair.gateway.counters.droppedDatagrams
        for datagram in captured.prefix(10) { pair.inject(datagram, from: attacker, to: pair.gatewayAddress) }
        pair.advance(to: pair.now + .milliseconds(10))
        #expect(pair.gateway.counters.droppedDatagrams == droppedBefore + 10)
        #expect(pair.gateway.counters.srtpReplays == duplicates)
        #expect(pair.gatewayEvents.filter { if case .rtp = $0 { true } else { false } }.count == 100)
    }

    /// A ClientHello of a stranger's own handshake, `from` some address, mid-stream.
    static func foreignClientHello(_ pair: inout PeerPairDriver, from source: TransportAddress) throws -> Int {
        let intruder = try DTLSSession(role: .client, certificate: DTLSCertificate.generate(),
                                       remoteFingerprint: pair.gateway.configuration.certificate.fingerprint, now: pair.now)
        intruder.start(now: pair.now)
        guard case .transmit(let clientHello) = intruder.poll() else {
            Issue.record("no ClientHello")
            return 0
        }
        return Self.stream(&pair, 0..<(2 * Self.packetsPerSecond)) { pair, index in
            if index == Self.packetsPerSecond { pair.inject(clientHello, from: source, to: pair.gatewayAddress) }
        }
    }

    /// DTLS datagrams (RFC 7983: first byte 20...63) the gateway sent during the scenario.
    static func gatewayDTLS(_ pair: PeerPairDriver) -> Int {
        (pair.network.log ?? []).filter {
            $0.datagram.source == pair.gatewayAddress && $0.datagram.bytes.first.map { (20...63).contains($0) } == true
        }.count
    }

    /// Criterion: a ClientHello from an address ICE never validated is dropped (counted once),
    /// nothing is sent to that address, and every media packet still arrives.
    @Test func aForeignClientHelloIsIgnored() throws {
        var pair = try Self.connectedPair(seed: 8)
        let stranger = try #require(TransportAddress(host: "198.51.100.9", port: 5_000))
        let droppedBefore = pair.gateway.counters.droppedDatagrams
        let sent = try Self.foreignClientHello(&pair, from: stranger)
        let reception = try #require(pair.browser.receptions[Self.ssrc])
        let toStranger = (pair.network.log ?? []).filter { $0.datagram.destination == stranger }.count
        print("foreign ClientHello: dropped \(pair.gateway.counters.droppedDatagrams - droppedBefore),",
              "\(toStranger) datagrams to the stranger, browser got \(reception.received)/\(sent)")
        #expect(pair.gateway.counters.droppedDatagrams == droppedBefore + 1)
        #expect(toStranger == 0)
        #expect(Self.gatewayDTLS(pair) == 0)
        #expect(pair.gateway.isConnected)
        #expect(reception.received == sent && sent == 2 * Self.packetsPerSecond)
    }

    /// The same ClientHello with the browser's own (validated) address as its source, as an
    /// off-path attacker can forge. Criterion: the session stays connected and every media packet
    /// arrives.
    @Test func aClientHelloFromTheValidatedAddressDoesNotEndTheSession() throws {
        var pair = try Self.connectedPair(seed: 9)
        let sent = try Self.foreignClientHello(&pair, from: Self.browserAddress)
        let reception = try #require(pair.browser.receptions[Self.ssrc])
        let closed = pair.gatewayEvents.filter(Self.isClosed)
        print("ClientHello from the browser's address: closed events \(closed.count), browser got \(reception.received)/\(sent),",
              "gateway DTLS datagrams sent in answer \(Self.gatewayDTLS(pair))")
        #expect(closed.isEmpty)
        #expect(Self.gatewayDTLS(pair) == 0)
        #expect(pair.gateway.isConnected)
        #expect(reception.received == sent && sent == 2 * Self.packetsPerSecond)
    }
}

extension FaultScenarioTests {
    /// A plaintext DTLS alert record (RFC 6347 §4.1: type 21, DTLS 1.2, `epoch`, sequence 1000).
    static func plaintextAlert(level: UInt8, description: UInt8, epoch: UInt16) -> [UInt8] {
        [21, 0xFE, 0xFD, UInt8(epoch >> 8), UInt8(epoch & 0xFF), 0, 0, 0, 0, 0x03, 0xE8, 0, 2, level, description]
    }

    /// Forged, unencrypted alerts (fatal handshake_failure, close_notify) with the browser's own
    /// address as their source, as an off-path attacker who knows the 5-tuple can send them, in
    /// the epoch of the handshake and in the current one, and random 64-byte records in the
    /// current epoch. Criterion: the session stays connected and every media packet arrives.
    /// (Before the fix a 15-byte record in epoch 1 ended the session: "DTLS failed: read failed".)
    @Test func forgedPlaintextAlertsDoNotEndTheSession() throws {
        var pair = try Self.connectedPair(seed: 10)
        var generator = SeededGenerator(seed: 10)
        var forged = [(UInt8(2), UInt8(40)), (UInt8(1), UInt8(0))].flatMap { level, description in
            [UInt16(0), 1].map { Self.plaintextAlert(level: level, description: description, epoch: $0) }
        }
        for type in [UInt8(21), 23] {
            forged.append([type, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0x03, 0xF0, 0, 64] + generator.bytes(64))
        }
        let sent = Self.stream(&pair, 0..<Self.packetsPerSecond) { pair, index in
            if index % 50 == 10, index / 50 < forged.count {
                pair.inject(forged[index / 50], from: Self.browserAddress, to: pair.gatewayAddress)
            }
        }
        pair.advance(to: pair.now + .milliseconds(100))
        let reception = try #require(pair.browser.receptions[Self.ssrc])
        let closed = pair.gatewayEvents.filter(Self.isClosed)
        print("forged plaintext alerts: \(forged.count) injected, closed events \(closed), browser got \(reception.received)/\(sent)")
        #expect(closed.isEmpty)
        #expect(pair.gateway.isConnected)
        #expect(reception.received == sent && sent == Self.packetsPerSecond)
    }

    /// 100,000 garbage datagrams per second for one second (random bytes; a third shaped like RTP,
    /// a fifth like STUN, some like DTLS; half from strangers, half forged with the browser's own
    /// address) while media flows. Criterion: the legitimate viewer keeps ≥ 99 % delivery, every
    /// garbage datagram is dropped and counted, the session stays connected.
    @Test func aGarbageFloodLeavesTheViewerAlone() throws {
        var pair = try Self.connectedPair(seed: 11)
        let stranger = try #require(TransportAddress(host: "192.0.2.200", port: 7_000))
        var generator = SeededGenerator(seed: 11)
        let perSecond = 100_000
        var garbage = 0
        let before = pair.gateway.counters
        let sent = Self.stream(&pair, 0..<Self.packetsPerSecond) { pair, index in
            // 333 or 334 before each media packet: 100,000 in the second.
            let burst = (index + 1) * perSecond / Self.packetsPerSecond - index * perSecond / Self.packetsPerSecond
            for _ in 0..<burst {
                var bytes = generator.bytes(1 + Int(generator.next() % 300))
                switch garbage % 15 {
                case 0, 5, 10: bytes[0] = 0x80 | (bytes[0] & 0x3F)   // RTP/RTCP-looking
                case 3, 6: bytes[0] = bytes[0] & 0x03                // STUN-looking
                case 1: bytes[0] = 20 + bytes[0] % 44                // DTLS-looking
                default: break
                }
                pair.inject(bytes, from: garbage % 2 == 0 ? stranger : Self.browserAddress, to: pair.gatewayAddress)
                garbage += 1
            }
        }
        pair.advance(to: pair.now + .milliseconds(100))
        let after = pair.gateway.counters
        let rejected = (after.droppedDatagrams - before.droppedDatagrams) + (after.stunRejected - before.stunRejected)
            + (after.srtpAuthFailures - before.srtpAuthFailures) + (after.srtpReplays - before.srtpReplays)
            + (after.rtcpMalformed - before.rtcpMalformed)
        let reception = try #require(pair.browser.receptions[Self.ssrc])
        let delivered = Self.percent(reception.received, of: sent)
        print("garbage flood: \(garbage) datagrams in 1 s, \(rejected) counted as dropped/rejected;",
              "viewer got \(reception.received)/\(sent) = \(delivered) %")
        #expect(delivered >= 99)
        #expect(pair.gateway.isConnected)
        #expect(pair.gatewayEvents.filter { if case .rtp = $0 { true } else { false } }.isEmpty)
        #expect(garbage == perSecond)
        #expect(rejected == garbage)
    }
}
