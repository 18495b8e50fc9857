import RTCBase
import RTP
import Testing
import WebRTC
import WebRTCTestSupport

/// RTX (RFC 4588) in both directions: a viewer that negotiated RTX gets NACKed packets on the RTX
/// SSRC (OSN in the payload, the RTX stream's own sequence numbers); RTX from a publisher is
/// unwrapped back onto its media stream and fills the gap its NACK reported.
@Suite struct RetransmissionStreamTests {
    @Test func nackedPacketComesBackOnTheRTXStream() throws {
        var pair = try WebRTCSessionTests.makePair()
        #expect(pair.run { $0.gateway.isConnected && $0.browser.isConnected })
        pair.gateway.addOutboundStream(ssrc: 0x51DE, clockRate: 90000, retransmission: (ssrc: 0x7E7E, payloadType: 97))
        for seq in UInt16(100)...109 {
            #expect(pair.gateway.protectRTP(OutgoingRTP(payloadType: 96, marker: seq == 109, sequenceNumber: seq,
                                                        timestamp: 9000, ssrc: 0x51DE, payload: [0x41, UInt8(seq)][...]),
                                            now: pair.now) != nil)
        }
        pair.exchange()
        pair.browser.clearReceived()
        pair.browser.sendRTCP([.genericNACK(RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 0x51DE, lostSequenceNumbers: [103, 107]))])
        pair.exchange()
        let resent = pair.browser.receivedRTP.filter { $0.ssrc == 0x7E7E }
        #expect(resent.count == 2)
        #expect(pair.browser.receivedRTP.allSatisfy { $0.ssrc == 0x7E7E })   // nothing resent on the media SSRC
        #expect(resent.allSatisfy { $0.payloadType == 97 && $0.timestamp == 9000 })
        // The RTX stream numbers its own packets, consecutively.
        if resent.count == 2 { #expect(resent[1].sequenceNumber == resent[0].sequenceNumber &+ 1) }
        let originals = resent.compactMap { try? $0.originalFromRetransmission(ssrc: 0x51DE, payloadType: 96) }
        #expect(originals.map(\.sequenceNumber) == [103, 107])
        #expect(originals.map { Array($0.payload) } == [[0x41, 103], [0x41, 107]])
        #expect(pair.gateway.counters.retransmissions == 2)
        #expect(pair.gateway.counters.retransmissionsOnRTX == 2)
    }

    @Test func withoutRTXTheMediaSSRCCarriesTheRetransmission() throws {
        var pair = try WebRTCSessionTests.makePair()
        #expect(pair.run { $0.gateway.isConnected && $0.browser.isConnected })
        pair.gateway.addOutboundStream(ssrc: 0x51DE, clockRate: 90000)
        for seq in UInt16(1)...3 {
            _ = pair.gateway.protectRTP(OutgoingRTP(payloadType: 96, marker: true, sequenceNumber: seq, timestamp: 1,
                                                    ssrc: 0x51DE, payload: [1][...]), now: pair.now)
        }
        pair.exchange()
        pair.browser.clearReceived()
        pair.browser.sendRTCP([.genericNACK(RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 0x51DE, lostSequenceNumbers: [2]))])
        pair.exchange()
        #expect(pair.browser.receivedRTP.map(\.ssrc) == [0x51DE])
        #expect(pair.browser.receivedRTP.map(\.sequenceNumber) == [2])
        #expect(pair.gateway.counters.retransmissionsOnRTX == 0)
    }

    @Test func publisherRTXIsUnwrappedOntoItsMediaStreamAndFillsTheGap() throws {
        var pair = try WebRTCSessionTests.makePair()
        #expect(pair.run { $0.gateway.isConnected && $0.browser.isConnected })
        pair.gateway.expectInbound(payloadType: 96, clockRate: 90000)
        pair.gateway.expectInboundRetransmission(payloadType: 97, mediaPayloadType: 96, ssrcPairs: [0xAAAA: 0x5EED])
        var delivered: [RTPPacket] = []
        func drain(_ pair: inout PeerPairDriver) {
            while true {
                let output = pair.gateway.poll()
                if case .event(.rtp(let packet)) = output { delivered.append(packet) }
                if case .transmit(let bytes, _) = output { pair.browser.handle(datagram: bytes, now: pair.now) }
                if case .timeout = output { break }
            }
        }
        // 1...10 sent, 5 lost: the gateway NACKs it.
        for seq in UInt16(1)...10 where seq != 5 {
            let rtp = RTPPacket(payloadType: 96, sequenceNumber: seq, timestamp: UInt32(seq) * 3000, ssrc: 0x5EED,
                                marker: true, payload: [0x41, UInt8(seq)])
            pair.gateway.handle(datagram: try #require(pair.browser.protectRTP(rtp)), from: WebRTCSessionTests.browserAddress,
                                now: pair.now)
        }
        drain(&pair)
        let nacked = pair.browser.receivedRTCP.flatMap { packet -> [UInt16] in
            if case .genericNACK(let nack) = packet, nack.mediaSSRC == 0x5EED { return nack.lostSequenceNumbers }
            return []
        }
        #expect(nacked.contains(5))
        // The publisher resends 5 on its RTX stream (own sequence number 700).
        let original = RTPPacket(payloadType: 96, sequenceNumber: 5, timestamp: 15000, ssrc: 0x5EED, marker: true,
                                 payload: [0x41, 5])
        let rtx = original.retransmission(ssrc: 0xAAAA, payloadType: 97, sequenceNumber: 700)
        pair.gateway.handle(datagram: try #require(pair.browser.protectRTP(rtx)), from: WebRTCSessionTests.browserAddress,
                            now: pair.now)
        drain(&pair)
        #expect(delivered.count == 10)
        let late = delivered.last
        #expect(late?.ssrc == 0x5EED)
        #expect(late?.payloadType == 96)
        #expect(late?.sequenceNumber == 5)
        #expect(late.map { Array($0.payload) } == [0x41, 5])
        #expect(pair.gateway.counters.retransmissionsReceived == 1)
        // The gap is filled: later NACK rounds no longer ask for 5.
        pair.browser.clearReceived()
        let target = pair.now + .milliseconds(300)
        for _ in 0..<1000 where pair.now < target { pair.step(limit: target - pair.now) }
        let askedAgain = pair.browser.receivedRTCP.contains { packet in
            if case .genericNACK(let nack) = packet { return nack.lostSequenceNumbers.contains(5) } else { return false }
        }
        #expect(!askedAgain)

        // A probe that resends an old packet on RTX (here 7, received long ago; and 5 again) is
        // not delivered twice.
        for seq in [UInt16(7), 5] {
            let probe = RTPPacket(payloadType: 96, sequenceNumber: seq, timestamp: UInt32(seq) * 3000, ssrc: 0x5EED,
                                  marker: true, payload: [0x41, UInt8(seq)])
                .retransmission(ssrc: 0xAAAA, payloadType: 97, sequenceNumber: 700 &+ seq)
            pair.gateway.handle(datagram: try #require(pair.browser.protectRTP(probe)), from: WebRTCSessionTests.browserAddress,
                                now: pair.now)
        }
        drain(&pair)
        #expect(delivered.count == 10)
        #expect(pair.gateway.counters.retransmissionsRedundant == 2)
        #expect(pair.gateway.counters.retransmissionsReceived == 1)

        // RTX on an SSRC no FID group names, and an RTX packet too short for an OSN, are dropped and
        // counted as unmatched (not as malformed datagrams).
        let droppedBefore = pair.gateway.counters.droppedDatagrams
        let stray = original.retransmission(ssrc: 0xBBBB, payloadType: 97, sequenceNumber: 1)
        let short = RTPPacket(payloadType: 97, sequenceNumber: 701, timestamp: 1, ssrc: 0xAAAA, marker: false, payload: [0x00])
        for packet in [stray, short] {
            pair.gateway.handle(datagram: try #require(pair.browser.protectRTP(packet)), from: WebRTCSessionTests.browserAddress,
                                now: pair.now)
        }
        drain(&pair)
        #expect(delivered.count == 10)
        #expect(pair.gateway.counters.retransmissionsUnmatched == 2)
        #expect(pair.gateway.counters.droppedDatagrams == droppedBefore)
    }
}
