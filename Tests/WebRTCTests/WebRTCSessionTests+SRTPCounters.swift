import RTCBase
import RTP
import SRTP
import Testing
import WebRTC
import WebRTCTestSupport

/// Which counter a refused SRTP/SRTCP packet moves: a replay is not an authentication failure.
extension WebRTCSessionTests {
    /// A PLI from the browser, SRTCP-protected (whatever the browser had queued is dropped first).
    static func protectedPLI(_ browser: BrowserPeer) -> [UInt8]? {
        for _ in 0..<64 { if case .timeout = browser.poll() { break } }
        browser.sendRTCP([.pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 2))])
        for _ in 0..<64 {
            switch browser.poll() {
            case .transmit(let bytes, _) where RTPPacket.looksLikeRTCP(bytes): return bytes
            case .transmit: continue
            case .timeout: return nil
            }
        }
        return nil
    }

    @Test(arguments: [SRTPProtectionProfile.aeadAES128GCM, .aes128CMHMACSHA1_80])
    func replayedAndForgedSRTPMoveTheirOwnCounters(profile: SRTPProtectionProfile) throws {
        var pair = try Self.makePair(profiles: [profile])
        try #require(pair.run { $0.gateway.isConnected && $0.browser.isConnected })
        pair.gateway.expectInbound(payloadType: 111, clockRate: 48000)
        let gateway = pair.gateway
        func rtp(_ sequence: UInt16) throws -> [UInt8] {
            try #require(pair.browser.protectRTP(RTPPacket(payloadType: 111, sequenceNumber: sequence, timestamp: UInt32(sequence) * 960,
                                                           ssrc: 0x5EED, marker: false, payload: [UInt8](repeating: 7, count: 80))))
        }
        let first = try rtp(1)
        gateway.handle(datagram: first, from: Self.browserAddress, now: pair.now)
        #expect(gateway.counters.packetsReceived == 1)

        // The same datagram again: a replay, not a forgery.
        gateway.handle(datagram: first, from: Self.browserAddress, now: pair.now)
        #expect(gateway.counters.srtpReplays == 1)
        #expect(gateway.counters.srtpAuthFailures == 0)

        // A fresh index with a flipped payload bit: a forgery, not a replay.
        let second = try rtp(2)
        var forged = second
        forged[40] ^= 0x01
        gateway.handle(datagram: forged, from: Self.browserAddress, now: pair.now)
        #expect(gateway.counters.srtpAuthFailures == 1)
        #expect(gateway.counters.srtpReplays == 1)
        // The forgery did not use up the index: the genuine packet still passes.
        gateway.handle(datagram: second, from: Self.browserAddress, now: pair.now)
        #expect(gateway.counters.packetsReceived == 2)

        // SRTCP: the same split.
        let rtcp = try #require(Self.protectedPLI(pair.browser))
        gateway.handle(datagram: rtcp, from: Self.browserAddress, now: pair.now)
        #expect(gateway.counters.keyframeRequestsReceived == 1)
        gateway.handle(datagram: rtcp, from: Self.browserAddress, now: pair.now)
        #expect(gateway.counters.srtpReplays == 2)
        var forgedRTCP = try #require(Self.protectedPLI(pair.browser))
        forgedRTCP[10] ^= 0x80
        gateway.handle(datagram: forgedRTCP, from: Self.browserAddress, now: pair.now)
        #expect(gateway.counters.srtpAuthFailures == 2)
        #expect(gateway.counters.srtpReplays == 2)
        #expect(gateway.counters.keyframeRequestsReceived == 1)
        #expect(gateway.isConnected)
    }
}
