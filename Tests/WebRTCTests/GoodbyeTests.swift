import RTCBase
import RTP
import Testing
import WebRTC
import WebRTCTestSupport

/// A local close (DELETE, gateway shutdown) says goodbye: RTCP BYE for every SSRC sent, over
/// SRTCP, then DTLS close_notify, then the `.closed` event (virtual time).
@Suite struct GoodbyeTests {
    /// Every output the gateway session has queued, in order, up to its next deadline.
    static func drain(_ session: WebRTCSession) -> [WebRTCSession.Output] {
        var outputs: [WebRTCSession.Output] = []
        for _ in 0..<1000 {
            let output = session.poll()
            if case .timeout = output { break }
            outputs.append(output)
        }
        return outputs
    }

    @Test func closeSendsBYEForEverySSRCThenCloseNotify() throws {
        var pair = try WebRTCSessionTests.makePair()
        #expect(pair.run { $0.gateway.isConnected && $0.browser.isConnected })
        pair.gateway.addOutboundStream(ssrc: 0xA1, clockRate: 48000, keepsHistory: false)
        pair.gateway.addOutboundStream(ssrc: 0xB2, clockRate: 90000)
        _ = pair.exchange()
        pair.gateway.close(reason: "gateway shutting down")
        let outputs = Self.drain(pair.gateway)
        let datagrams = outputs.compactMap { if case .transmit(let bytes, _) = $0 { bytes } else { nil } }
        try #require(datagrams.count == 2)
        // First SRTCP (RFC 7983: 128...191), then a DTLS alert record (content type 21).
        #expect((128...191).contains(datagrams[0][0]))
        #expect(datagrams[1][0] == 21)
        #expect(outputs.last == .event(.closed(reason: "gateway shutting down")))
        pair.browser.handle(datagram: datagrams[0], now: pair.now)
        let byes = pair.browser.receivedRTCP.compactMap { if case .bye(let bye) = $0 { bye } else { nil } }
        #expect(byes == [RTCPBye(ssrcs: [0xA1, 0xB2], reason: "gateway shutting down")])
        // The compound starts with a receiver report (RFC 3550 §6.1).
        if case .receiverReport(let rr)? = pair.browser.receivedRTCP.first { #expect(rr.ssrc == 0xA1) } else {
            Issue.record("compound does not start with RR: \(pair.browser.receivedRTCP)")
        }
        #expect(pair.gateway.counters.goodbyesSent == 1)
        // Closing again sends nothing.
        pair.gateway.close(reason: "again")
        #expect(Self.drain(pair.gateway).isEmpty)
    }

    @Test func receiveOnlySessionSaysGoodbyeWithItsFeedbackSSRC() throws {
        var pair = try WebRTCSessionTests.makePair()
        #expect(pair.run { $0.gateway.isConnected && $0.browser.isConnected })
        let ssrc = pair.gateway.configuration.feedbackSSRC
        let goodbye = pair.gateway.goodbye(reason: "bye")
        #expect(goodbye == [.receiverReport(RTCPReceiverReport(ssrc: ssrc)), .bye(RTCPBye(ssrcs: [ssrc], reason: "bye"))])
    }

    @Test func unconnectedSessionSendsNoBYE() throws {
        let pair = try WebRTCSessionTests.makePair()
        #expect(pair.gateway.goodbye(reason: "x").isEmpty)
        pair.gateway.close(reason: "deleted by client")
        let outputs = Self.drain(pair.gateway)
        #expect(!outputs.contains { if case .transmit(let bytes, _) = $0 { (128...191).contains(bytes[0]) } else { false } })
        #expect(pair.gateway.counters.goodbyesSent == 0)
        #expect(outputs.last == .event(.closed(reason: "deleted by client")))
    }
}
