import DTLS
import ICE
import RTCBase
import RTP
import SRTP
import Testing
import TestSupport
import WebRTC
import WebRTCTestSupport

/// Engine tests on virtual time: ICE-lite + DTLS + SRTP between a gateway session and an
/// in-process browser stand-in, including a lost handshake flight.
@Suite struct WebRTCSessionTests {
    static let gatewayAddress = TransportAddress(host: "127.0.0.1", port: 8189)!
    static let browserAddress = TransportAddress(host: "127.0.0.1", port: 50000)!

    static func makePair(profiles: [SRTPProtectionProfile] = [.aeadAES128GCM, .aes128CMHMACSHA1_80],
                         handshakeTimeout: Duration = .seconds(10), setupTimeout: Duration = .seconds(10),
                         start: Instant = Instant(nanoseconds: 5_000_000_000)) throws -> PeerPairDriver {
        var dtls = DTLSConfiguration()
        dtls.profiles = profiles
        dtls.initialRetransmitTimeout = .milliseconds(25)
        dtls.handshakeTimeout = handshakeTimeout
        return try PeerPairDriver.make(dtls: dtls, gatewayAddress: gatewayAddress, browserAddress: browserAddress,
                                       start: start) { $0.setupTimeout = setupTimeout }
    }

    @Test func connectsAndDecryptsMedia() throws {
        var pair = try Self.makePair()
        #expect(pair.run { $0.gateway.isConnected && $0.browser.isConnected })
        #expect(pair.gatewayEvents.contains(.iceConnected(Self.browserAddress)))
        #expect(pair.gatewayEvents.contains(.connected(.aeadAES128GCM)))
        pair.gateway.addOutboundStream(ssrc: 0xABCD, clockRate: 90000)
        let payload: [UInt8] = Array(0..<200)
        let out = try #require(pair.gateway.protectRTP(OutgoingRTP(payloadType: 102, marker: true, sequenceNumber: 7, timestamp: 9000,
                                                       ssrc: 0xABCD, payload: payload[...]), now: pair.now))
        #expect(out.to == Self.browserAddress)
        #expect(out.datagram.count > 12 + payload.count)   // auth tag appended
        pair.browser.handle(datagram: out.datagram, now: pair.now)
        let received = try #require(pair.browser.receivedRTP.last)
        #expect(received.ssrc == 0xABCD && received.sequenceNumber == 7 && received.timestamp == 9000)
        #expect(Array(received.payload) == payload)
    }

    @Test func negotiatesAESCMWhenOnlyItIsAllowed() throws {
        var pair = try Self.makePair(profiles: [.aes128CMHMACSHA1_80])
        #expect(pair.run { $0.gateway.isConnected && $0.browser.isConnected })
        #expect(pair.gatewayEvents.contains(.connected(.aes128CMHMACSHA1_80)))
    }

    /// OpenSSL decides on its own real-time clock when a retransmit is due (the one exception to
    /// virtual time, see ARCHITECTURE §1): virtual time races ahead while ~25 ms of real time pass,
    /// so this test uses a long handshake timeout and a step bound instead of a virtual deadline.
    @Test func recoversFromALostHandshakeFlight() throws {
        var pair = try Self.makePair(handshakeTimeout: .seconds(86_400), setupTimeout: .seconds(86_400))
        var droppedFirstServerFlight = false
        pair.drop = { from, bytes in
            // Drop the gateway's first DTLS flight (ServerHello...): the client must retransmit.
            if from == "gateway", !droppedFirstServerFlight, let first = bytes.first, (20...63).contains(first) {
                droppedFirstServerFlight = true
                return true
            }
            return false
        }
        #expect(pair.run(maxSteps: 1_000_000) { $0.gateway.isConnected && $0.browser.isConnected })
        #expect(droppedFirstServerFlight)
    }

    @Test func answersNACKFromHistoryAndReportsPLI() throws {
        var pair = try Self.makePair()
        #expect(pair.run { $0.gateway.isConnected && $0.browser.isConnected })
        pair.gateway.addOutboundStream(ssrc: 0x1234, clockRate: 90000)
        var sent: [[UInt8]] = []
        for seq in UInt16(100)..<110 {
            let out = try #require(pair.gateway.protectRTP(OutgoingRTP(payloadType: 102, marker: false, sequenceNumber: seq,
                                                           timestamp: 3000, ssrc: 0x1234, payload: [1, 2, 3][...]), now: pair.now))
            sent.append(out.datagram)
        }
        // The browser "lost" 103 and 105 and asks for them, then asks for a keyframe.
        pair.browser.sendRTCP([.genericNACK(RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 0x1234, lostSequenceNumbers: [103, 105, 999]))])
        pair.browser.sendRTCP([.pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 0x1234))])
        pair.exchange()
        let resent = pair.browser.receivedRTP.map(\.sequenceNumber)
        #expect(resent.contains(103) && resent.contains(105) && !resent.contains(999))
        #expect(pair.gatewayEvents.contains(.keyframeRequested(ssrc: 0x1234)))
        #expect(pair.gateway.counters.retransmissions == 2)
    }

    @Test func aSessionThatNeverConnectsGivesUpAtTheSetupTimeout() throws {
        // ICE succeeds (the browser keeps checking) but every DTLS datagram is lost.
        var pair = try Self.makePair(handshakeTimeout: .seconds(60))
        pair.drop = { _, bytes in bytes.first.map { (20...63).contains($0) } ?? false }
        let created = pair.now
        let timeout = Duration.seconds(10)   // makePair's, and the configuration's default
        let closed = pair.run(maxSteps: 10_000) { driver in
            driver.gatewayEvents.contains { if case .closed = $0 { true } else { false } }
        }
        #expect(closed)
        #expect(pair.now == created + timeout, "closed at \(pair.now - created)")
        let reason = pair.gatewayEvents.compactMap { if case .closed(let reason) = $0 { reason } else { nil } }.first
        #expect(reason?.contains("not connected within") == true, "\(reason ?? "none")")
        #expect(!pair.gateway.isConnected)
    }

    @Test func aConnectedSessionOutlivesTheSetupTimeout() throws {
        var pair = try Self.makePair()
        #expect(pair.run { $0.gateway.isConnected && $0.browser.isConnected })
        let target = pair.now + .seconds(15)
        for _ in 0..<10_000 where pair.now < target { pair.step() }
        #expect(pair.gateway.isConnected)
        #expect(!pair.gatewayEvents.contains { if case .closed = $0 { true } else { false } })
    }

    @Test func retransmissionsAreBudgeted() throws {
        var pair = try Self.makePair()
        #expect(pair.run { $0.gateway.isConnected && $0.browser.isConnected })
        pair.gateway.addOutboundStream(ssrc: 0x1234, clockRate: 90000)
        for seq in UInt16(0)..<512 {
            _ = pair.gateway.protectRTP(OutgoingRTP(payloadType: 102, marker: false, sequenceNumber: seq, timestamp: 3000,
                                                    ssrc: 0x1234, payload: [1, 2, 3][...]), now: pair.now)
        }
        pair.exchange()
        let limits = WebRTCLimits()
        // One RTCP datagram with 8 NACKs for 64 packets each, all in the history: the burst
        // (256) goes out, the rest is refused and counted.
        let nacks = (0..<8).map { block in
            RTCPPacket.genericNACK(RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 0x1234,
                                                   lostSequenceNumbers: (0..<64).map { UInt16(block * 64 + $0) }))
        }
        pair.browser.sendRTCP(nacks)
        pair.exchange()
        #expect(pair.gateway.counters.retransmissions == limits.maxRetransmitBurst)
        #expect(pair.gateway.counters.retransmissionsRefused == 512 - limits.maxRetransmitBurst)
        // Half a second later the budget has refilled by 256 packets: a NACK for 64 is answered.
        let target = pair.now + .milliseconds(500)
        for _ in 0..<1000 where pair.now < target { pair.step(limit: target - pair.now) }
        pair.browser.sendRTCP([nacks[0]])
        pair.exchange()
        #expect(pair.gateway.counters.retransmissions == limits.maxRetransmitBurst + 64)
        #expect(pair.gateway.counters.retransmissionsRefused == 512 - limits.maxRetransmitBurst)
    }

    /// A stream the peer negotiated no NACK for (audio, as browsers offer it) keeps no send
    /// history: NACKs for it are counted and go unanswered, while the NACKed video next to it is
    /// retransmitted and both streams still get sender reports.
    @Test func streamWithoutNACKKeepsNoHistory() throws {
        var pair = try Self.makePair()
        #expect(pair.run { $0.gateway.isConnected && $0.browser.isConnected })
        pair.gateway.addOutboundStream(ssrc: 0xA0D1, clockRate: 48000, keepsHistory: false)
        pair.gateway.addOutboundStream(ssrc: 0x51DE, clockRate: 90000)
        for seq in UInt16(1)...5 {
            for ssrc in [UInt32(0xA0D1), 0x51DE] {
                #expect(pair.gateway.protectRTP(OutgoingRTP(payloadType: ssrc == 0xA0D1 ? 111 : 102, marker: true, sequenceNumber: seq,
                                                            timestamp: UInt32(seq) * 960, ssrc: ssrc, payload: [7, 7][...]),
                                                now: pair.now) != nil)
            }
        }
        pair.browser.sendRTCP([.genericNACK(RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 0xA0D1, lostSequenceNumbers: [2, 3]))])
        pair.browser.sendRTCP([.genericNACK(RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 0x51DE, lostSequenceNumbers: [4]))])
        pair.exchange()
        #expect(pair.gateway.counters.nacksReceived == 2)
        #expect(pair.gateway.counters.retransmissions == 1)
        #expect(pair.run(maxSteps: 50) { driver in
            let reported = Set(driver.browser.receivedRTCP.compactMap { packet -> UInt32? in
                if case .senderReport(let sr) = packet { return sr.ssrc } else { return nil }
            })
            return reported.isSuperset(of: [0xA0D1, 0x51DE])
        })
    }

    @Test func sendsSenderReportsOnceMediaFlows() throws {
        var pair = try Self.makePair()
        #expect(pair.run { $0.gateway.isConnected && $0.browser.isConnected })
        pair.gateway.addOutboundStream(ssrc: 0x55, clockRate: 90000)
        _ = pair.gateway.protectRTP(OutgoingRTP(payloadType: 102, marker: true, sequenceNumber: 1, timestamp: 1000, ssrc: 0x55,
                                    payload: [0][...]), now: pair.now)
        #expect(pair.run(maxSteps: 50) { driver in
            driver.browser.receivedRTCP.contains { if case .senderReport(let sr) = $0 { return sr.ssrc == 0x55 } else { return false } }
        })
    }

    @Test func garbageDatagramsAreDroppedAndCounted() throws {
        var pair = try Self.makePair()
        #expect(pair.run { $0.gateway.isConnected && $0.browser.isConnected })
        let stranger = TransportAddress(host: "127.0.0.1", port: 40000)!
        var generator = SeededGenerator(seed: 42)
        for i in 0..<500 {
            var bytes = (0..<(1 + i % 300)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            if i % 3 == 0 { bytes[0] = 0x80 }          // RTP-looking
            if i % 5 == 0 { bytes[0] = 0x00 }          // STUN-looking
            pair.gateway.handle(datagram: bytes, from: i % 2 == 0 ? Self.browserAddress : stranger, now: pair.now)
        }
        let c = pair.gateway.counters
        #expect(c.droppedDatagrams + c.stunRejected + c.srtpAuthFailures + c.srtpReplays == 500)
        #expect(pair.gateway.isConnected)
        pair.gateway.addOutboundStream(ssrc: 9, clockRate: 90000)
        #expect(pair.gateway.protectRTP(OutgoingRTP(payloadType: 102, marker: true, sequenceNumber: 1, timestamp: 1, ssrc: 9,
                                        payload: [1][...]), now: pair.now) != nil)
    }

    @Test func consentExpiresThirtySecondsAfterTheLastCheck() throws {
        var pair = try Self.makePair()
        #expect(pair.run { $0.gateway.isConnected && $0.browser.isConnected })
        // The browser goes silent: drop everything it sends from now on.
        pair.drop = { from, _ in from == "browser" }
        let silentSince = pair.now
        #expect(pair.run(maxSteps: 500) { driver in
            driver.gatewayEvents.contains { if case .closed = $0 { return true } else { return false } }
        })
        let elapsed = pair.now - silentSince
        #expect(elapsed >= .seconds(27) && elapsed <= .seconds(31))
        #expect(pair.gateway.protectRTP(OutgoingRTP(payloadType: 102, marker: true, sequenceNumber: 1, timestamp: 1, ssrc: 9,
                                        payload: [1][...]), now: pair.now) == nil)
    }
}
