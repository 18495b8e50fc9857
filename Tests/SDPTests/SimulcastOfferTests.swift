import SDP
import Testing

/// A publisher's simulcast offer (RFC 8853: `a=rid` + `a=simulcast:send`, as Chromium sends
/// with three `sendEncodings`) is accepted; the answer does not echo simulcast, so the browser
/// falls back to one encoding — the one layer the gateway forwards (issue #3: one layer is enough).
@Suite struct SimulcastOfferTests {
    static let offer = """
        v=0\r
        o=- 1 2 IN IP4 127.0.0.1\r
        s=-\r
        t=0 0\r
        a=group:BUNDLE 0\r
        a=msid-semantic: WMS s\r
        m=video 9 UDP/TLS/RTP/SAVPF 96 97\r
        c=IN IP4 0.0.0.0\r
        a=ice-ufrag:abcd\r
        a=ice-pwd:abcdefghijklmnopqrstuvwx\r
        a=fingerprint:sha-256 E1:CF:EA:4F:08:6D:E8:51:85:79:2C:C1:56:32:B6:B7:CA:38:92:45:E7:ED:17:0D:BF:23:22:22:94:FC:A9:A1\r
        a=setup:actpass\r
        a=mid:0\r
        a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r
        a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r
        a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r
        a=sendonly\r
        a=msid:s v\r
        a=rtcp-mux\r
        a=rtcp-rsize\r
        a=rtpmap:96 VP8/90000\r
        a=rtcp-fb:96 nack\r
        a=rtcp-fb:96 nack pli\r
        a=rtpmap:97 rtx/90000\r
        a=fmtp:97 apt=96\r
        a=rid:q send\r
        a=rid:h send\r
        a=rid:f send\r
        a=simulcast:send q;h;f\r

        """

    @Test func acceptedAsOneLayer() throws {
        let offer = try SessionDescription(parsing: Self.offer)
        let options = AnswerOptions(
            iceUfrag: "gw01", icePwd: "gatewaypasswordgatewayp",
            fingerprint: SDPFingerprint(algorithm: "sha-256", value: "AA:BB"),
            candidates: [], codecs: [.vp8, .opus], localDirection: .recvonly, sessionID: 7)
        let (answer, media) = try SDPAnswerer.answer(to: offer, options: options)
        #expect(media.count == 1 && media[0].accepted && media[0].codec?.name == "VP8" && media[0].payloadType == 96)
        #expect(media[0].direction == .recvonly)
        let text = answer.serialized()
        #expect(!text.contains("a=simulcast") && !text.contains("a=rid"))
        #expect(text.contains("a=recvonly"))
    }
}
