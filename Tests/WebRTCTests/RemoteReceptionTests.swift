import RTCBase
import RTP
import Testing
import WebRTC
import WebRTCTestSupport

/// A sending session (a WHEP viewer's peer) keeps what the viewer reports about each stream it
/// is sent (RFC 3550 §6.4.1 report blocks): loss, jitter and the round-trip time from LSR/DLSR.
@Suite struct RemoteReceptionTests {
    @Test func receiverReportsGiveLossJitterAndRoundTripTime() throws {
        var pair = try WebRTCSessionTests.makePair()
        #expect(pair.run { $0.gateway.isConnected && $0.browser.isConnected })
        let ssrc: UInt32 = 0xABC1
        pair.gateway.addOutboundStream(ssrc: ssrc, clockRate: 90000)
        for seq in UInt16(1)...5 {
            let sent = pair.sendRTP(OutgoingRTP(payloadType: 96, marker: true, sequenceNumber: seq, timestamp: UInt32(seq) * 3000,
                                                ssrc: ssrc, payload: [0x41, 1, 2, 3]))
            #expect(sent)
        }
        // The sender report timer fires; the viewer receives our SR.
        #expect(pair.run(maxSteps: 50) { driver in
            driver.browser.receivedRTCP.contains { if case .senderReport(let sr) = $0 { sr.ssrc == ssrc } else { false } }
        })
        let sr = try #require(pair.browser.receivedRTCP.compactMap { packet -> RTCPSenderReport? in
            if case .senderReport(let sr) = packet, sr.ssrc == ssrc { return sr } else { return nil }
        }.first)
        #expect(pair.gateway.remoteReceptions.isEmpty)

        // 100 ms after our SR left, the viewer answers, having held it 30 ms: RTT = 70 ms.
        let srSent = NTPTimestamp(rawValue: sr.ntpTimestamp)
        let answerAt = pair.now + .milliseconds(100)
        pair.advance(to: answerAt)
        let wallNow = 1_700_000_000 + (pair.now - Instant(nanoseconds: 5_000_000_000)).secondsDouble
        let expectedRTT = wallNow - srSent.unixSeconds - 0.030
        let block = RTCPReceptionReport(ssrc: ssrc, fractionLost: 64, cumulativeLost: 3, extendedHighestSequence: 5, jitter: 900,
                                        lastSenderReport: srSent.middle32, delaySinceLastSenderReport: UInt32(0.030 * 65536))
        let foreign = RTCPReceptionReport(ssrc: 0xF0F0, fractionLost: 255)
        pair.browser.sendRTCP([.receiverReport(RTCPReceiverReport(ssrc: 0x1234, reports: [block, foreign]))])
        pair.exchange()

        let reception = try #require(pair.gateway.remoteReceptions[ssrc])
        #expect(reception.fractionLost == 0.25)
        #expect(reception.cumulativeLost == 3)
        #expect(abs(reception.jitterSeconds - 0.01) < 1e-9)   // 900 / 90 kHz
        let rtt = try #require(reception.roundTripTime).secondsDouble
        #expect(abs(rtt - expectedRTT) < 0.001, "rtt \(rtt), expected \(expectedRTT)")
        #expect(expectedRTT > 0.05 && expectedRTT < 0.2)
        #expect(reception.reports == 1)
        // A block about an SSRC we do not send is not kept.
        #expect(pair.gateway.remoteReceptions[0xF0F0] == nil && pair.gateway.remoteReceptions.count == 1)

        // A block without LSR (the viewer had no SR yet) updates loss but keeps the last RTT.
        let noLSR = RTCPReceptionReport(ssrc: ssrc, fractionLost: 0, cumulativeLost: 4, jitter: 90)
        pair.browser.sendRTCP([.receiverReport(RTCPReceiverReport(ssrc: 0x1234, reports: [noLSR]))])
        pair.exchange()
        let later = try #require(pair.gateway.remoteReceptions[ssrc])
        #expect(later.cumulativeLost == 4 && later.fractionLost == 0 && later.reports == 2)
        #expect(later.roundTripTime == reception.roundTripTime)
    }
}
