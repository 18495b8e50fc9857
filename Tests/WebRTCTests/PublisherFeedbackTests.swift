import RTCBase
import RTP
import Testing
import WebRTC
import WebRTCTestSupport

/// A receiving session (a WHIP publisher's peer) sends feedback: generic NACKs for lost
/// packets, receiver reports with the loss, and PLI on request (RFC 4585, RFC 3550 §6.4.2).
@Suite struct PublisherFeedbackTests {
    @Test func lostPacketsAreNACKedAndReportedAndPLIGoesOut() throws {
        var pair = try WebRTCSessionTests.makePair()
        #expect(pair.run { $0.gateway.isConnected && $0.browser.isConnected })
        pair.gateway.expectInbound(payloadType: 96, clockRate: 90000)
        // The publisher sends 1...20, but 5, 6 and 12 are lost on the way.
        for seq in UInt16(1)...20 where ![5, 6, 12].contains(seq) {
            let rtp = RTPPacket(payloadType: 96, sequenceNumber: seq, timestamp: UInt32(seq) * 3000, ssrc: 0x5EED,
                                marker: true, payload: [0x41, UInt8(seq)])
            let datagram = try #require(pair.browser.protectRTP(rtp))
            pair.gateway.handle(datagram: datagram, from: WebRTCSessionTests.browserAddress, now: pair.now)
        }
        var rtpEvents = 0
        while true {
            let output = pair.gateway.poll()
            if case .event(.rtp(let packet)) = output { rtpEvents += 1; #expect(packet.ssrc == 0x5EED) }
            if case .transmit(let bytes, _) = output { pair.browser.handle(datagram: bytes, now: pair.now) }
            if case .timeout = output { break }
        }
        #expect(rtpEvents == 17)
        let nacked = pair.browser.receivedRTCP.flatMap { packet -> [UInt16] in
            if case .genericNACK(let nack) = packet, nack.mediaSSRC == 0x5EED { return nack.lostSequenceNumbers }
            return []
        }
        #expect(Set(nacked) == [5, 6, 12])
        #expect(pair.gateway.counters.nacksSent >= 2)

        // A payload type that was not negotiated is dropped and counted, not delivered.
        let stray = RTPPacket(payloadType: 100, sequenceNumber: 21, timestamp: 1, ssrc: 0x5EED, marker: true, payload: [1])
        let before = pair.gateway.counters.droppedDatagrams
        pair.gateway.handle(datagram: try #require(pair.browser.protectRTP(stray)), from: WebRTCSessionTests.browserAddress,
                            now: pair.now)
        #expect(pair.gateway.counters.droppedDatagrams == before + 1)

        // Receiver reports follow on the report timer and count the loss.
        pair.browser.clearReceived()
        #expect(pair.run(maxSteps: 50) { driver in
            driver.browser.receivedRTCP.contains { if case .receiverReport = $0 { return true } else { return false } }
        })
        let report = pair.browser.receivedRTCP.compactMap { packet -> RTCPReceptionReport? in
            if case .receiverReport(let rr) = packet { return rr.reports.first { $0.ssrc == 0x5EED } }
            return nil
        }.first
        #expect(report?.extendedHighestSequence == 20)

        // A keyframe request from the path reaches the publisher as PLI.
        pair.browser.clearReceived()
        pair.gateway.requestKeyframe(mediaSSRC: 0x5EED)
        pair.exchange()
        #expect(pair.browser.receivedRTCP.contains {
            if case .pictureLossIndication(let pli) = $0 { return pli.mediaSSRC == 0x5EED } else { return false }
        })
    }
}
