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

    static func options(maxLayers: Int?) -> AnswerOptions {
        var options = AnswerOptions(
            iceUfrag: "gw01", icePwd: "gatewaypasswordgatewayp",
            fingerprint: SDPFingerprint(algorithm: "sha-256", value: "AA:BB"),
            candidates: [], codecs: [.vp8, .opus], localDirection: .recvonly, sessionID: 7)
        if let maxLayers { options.acceptSimulcast(maxLayers: maxLayers) }
        return options
    }

    /// The offer with its `a=rid`/`a=simulcast` lines replaced.
    static func offer(simulcastLines: [String]) throws -> SessionDescription {
        var text = Self.offer.replacing("a=rid:q send\r\na=rid:h send\r\na=rid:f send\r\na=simulcast:send q;h;f\r\n",
                                        with: "")
        text += simulcastLines.map { $0 + "\r\n" }.joined()
        return try SessionDescription(parsing: text)
    }

    @Test func acceptedWithThreeLayersWhenEnabled() throws {
        let offer = try SessionDescription(parsing: Self.offer)
        let (answer, media) = try SDPAnswerer.answer(to: offer, options: Self.options(maxLayers: 3))
        #expect(media[0].simulcastRIDs == ["q", "h", "f"])
        #expect(media[0].streamIDExtensionID == 10 && media[0].repairedStreamIDExtensionID == 11)
        #expect(media[0].midExtensionID == 4)
        let text = answer.serialized()
        for line in ["a=rid:q recv", "a=rid:h recv", "a=rid:f recv", "a=simulcast:recv q;h;f",
                     "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
                     "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
                     "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"] {
            #expect(text.contains(line + "\r\n"), "missing \(line)")
        }
        // The answer parses back with the same layers for the other side.
        let reparsed = try SessionDescription(parsing: text)
        #expect(reparsed.media[0].attributes.values(named: "rid") == ["q recv", "h recv", "f recv"])
    }

    @Test func layerCountAtTheCapAndOnePast() throws {
        let four = try Self.offer(simulcastLines: ["a=rid:a send", "a=rid:b send", "a=rid:c send", "a=rid:d send",
                                                   "a=simulcast:send a;b;c;d"])
        let atCap = try SDPAnswerer.answer(to: four, options: Self.options(maxLayers: 4)).media[0]
        #expect(atCap.simulcastRIDs == ["a", "b", "c", "d"])
        let onePast = try SDPAnswerer.answer(to: four, options: Self.options(maxLayers: 3))
        #expect(onePast.media[0].simulcastRIDs == ["a", "b", "c"])
        #expect(onePast.answer.serialized().contains("a=simulcast:recv a;b;c\r\n"))
        let disabled = try SDPAnswerer.answer(to: four, options: Self.options(maxLayers: 0)).media[0]
        #expect(disabled.simulcastRIDs.isEmpty)
    }

    @Test func malformedOrUndeclaredLayersAreLeftOut() throws {
        let cases: [([String], [String])] = [
            (["a=rid:a send", "a=rid:b send", "a=simulcast:send a;x;~b"], ["a", "b"]),   // x undeclared, ~ paused
            (["a=rid:a send", "a=rid:b recv", "a=simulcast:send a;b"], ["a"]),           // b is not sent
            (["a=rid:a send", "a=rid:b$ send", "a=simulcast:send a;b$"], ["a"]),         // invalid rid
            (["a=rid:abcdefghijklmnop send", "a=rid:abcdefghijklmnopq send",
              "a=simulcast:send abcdefghijklmnop;abcdefghijklmnopq"], ["abcdefghijklmnop"]),  // 16 ok, 17 not
            (["a=rid:a send", "a=rid:b send", "a=simulcast:send a,b"], ["a"]),           // alternatives: first
            (["a=rid:a send", "a=simulcast:send"], []),                                   // no list
            (["a=rid:a send", "a=simulcast:recv a"], []),                                 // not send
            (["a=rid:a send", "a=simulcast:send a;a"], ["a"]),                            // duplicate
        ]
        for (lines, expected) in cases {
            let offer = try Self.offer(simulcastLines: lines)
            let media = try SDPAnswerer.answer(to: offer, options: Self.options(maxLayers: 3)).media[0]
            #expect(media.accepted)
            #expect(media.simulcastRIDs == expected, "\(lines)")
        }
    }

    @Test func viewersNeverAnswerSimulcast() throws {
        var options = Self.options(maxLayers: 3)
        options.localDirection = .sendonly
        var text = Self.offer.replacing("a=sendonly", with: "a=recvonly")
        text = text.replacing("send\r\n", with: "recv\r\n")
        let offer = try SessionDescription(parsing: text)
        let (answer, media) = try SDPAnswerer.answer(to: offer, options: options)
        #expect(media[0].simulcastRIDs.isEmpty)
        #expect(!answer.serialized().contains("a=simulcast"))
    }
}
