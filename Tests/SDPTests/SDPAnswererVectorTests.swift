import Testing
@testable import SDP

/// Answers to the browser vectors (RFC 8829 §5.3, RFC 8843, RFC 8839, RFC 8842).
@Suite("SDPAnswerer on browser offers")
struct SDPAnswererVectorTests {
    @Test("WHEP viewer answer to the captured Chromium recvonly offer, exact text")
    func chromiumRecvonlyExact() throws {
        let offer = try SDPTestVectors.parse(SDPTestVectors.chromiumRecvonly)
        let (answer, media) = try SDPAnswerer.answer(to: offer, options: SDPTestVectors.options(direction: .sendonly))
        let transport = [
            "c=IN IP4 0.0.0.0", "a=ice-ufrag:gwUfrag1", "a=ice-pwd:gatewayPassword0123456789",
            "a=fingerprint:sha-256 00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F",
            "a=setup:passive",
        ]
        let candidates = ["a=candidate:1 1 udp 2130706431 192.0.2.10 40000 typ host", "a=end-of-candidates"]
        let expected = ["v=0", "o=- 4242424242 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=ice-lite", "a=group:BUNDLE 0 1",
                        "a=msid-semantic: WMS *", "m=video 9 UDP/TLS/RTP/SAVPF 108"] + transport + [
            "a=mid:0", "a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay",
            "a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid", "a=sendonly", "a=msid:stream video0", "a=rtcp-mux",
            "a=rtcp-rsize", "a=rtpmap:108 H264/90000", "a=rtcp-fb:108 nack", "a=rtcp-fb:108 nack pli",
            "a=rtcp-fb:108 ccm fir",
            "a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
            "a=ssrc:11111 cname:gw", "a=ssrc:11111 msid:stream video0",
        ] + candidates + ["m=audio 9 UDP/TLS/RTP/SAVPF 111"] + transport + [
            "a=mid:1", "a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid", "a=sendonly", "a=msid:stream audio0",
            "a=rtcp-mux", "a=rtcp-rsize", "a=rtpmap:111 opus/48000/2", "a=fmtp:111 minptime=10;useinbandfec=1",
            "a=ssrc:22222 cname:gw", "a=ssrc:22222 msid:stream audio0",
        ] + candidates
        #expect(answer.serialized() == expected.joined(separator: "\r\n") + "\r\n")
        #expect(try SessionDescription(parsing: answer.serialized()) == answer)

        #expect(media.count == 2)
        #expect(media[0] == NegotiatedMedia(
            index: 0, mid: "0", kind: .video, accepted: true,
            codec: CodecCapability(name: "H264", kind: .video, clockRate: 90000,
                                   fmtp: ["level-asymmetry-allowed": "1", "packetization-mode": "1",
                                          "profile-level-id": "42e01f"],
                                   rtcpFeedback: ["nack", "nack pli", "ccm fir"], formatMatch: .h264ProfileLevelID),
            payloadType: 108, rtcpFeedback: ["nack", "nack pli", "ccm fir"],
            extensions: [ExtMap(id: 5, uri: "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay"),
                         ExtMap(id: 9, uri: "urn:ietf:params:rtp-hdrext:sdes:mid")],
            direction: .sendonly, remoteSSRCs: [], rtcpReducedSize: true))
        #expect(media[1].payloadType == 111)
        #expect(media[1].codec?.name == "opus" && media[1].codec?.channels == 2 && media[1].codec?.clockRate == 48000)
        #expect(media[1].rtcpFeedback.isEmpty)
    }

    @Test("WHIP publisher answer to the captured Chromium sendrecv + datachannel offer")
    func chromiumSendrecvWithDataChannel() throws {
        let offer = try SDPTestVectors.parse(SDPTestVectors.chromiumSendrecvDataChannel)
        let (answer, media) = try SDPAnswerer.answer(to: offer, options: SDPTestVectors.options(direction: .recvonly))
        #expect(media.map(\.accepted) == [true, true, false])
        #expect(media.map(\.mid) == ["0", "1", "2"])
        #expect(media[0].payloadType == 111 && media[0].direction == .recvonly)
        #expect(media[0].remoteSSRCs == [3_059_024_485])
        #expect(media[1].payloadType == 108 && media[1].direction == .recvonly)
        #expect(media[1].codec?.fmtp["packetization-mode"] == "1")
        #expect(media[1].codec?.fmtp["profile-level-id"] == "42e01f")
        #expect(media[1].remoteSSRCs == [406_745_878, 576_950_731])
        #expect(media[2].kind == .application)
        #expect(media[2].rejectionReason == "data channels are not enabled here")

        #expect(answer.bundleGroup == ["0", "1"])
        let data = answer.media[2]
        #expect(data.port == 0 && data.isRejected)
        #expect(data.lineValue == "application 0 UDP/DTLS/SCTP webrtc-datachannel")
        #expect(data.mid == "2")
        #expect(data.candidates.isEmpty && data.iceUfrag == nil)
        // Receiving only: no msid or ssrc signalling.
        #expect(answer.media[0].msid == nil && answer.media[0].ssrcs.isEmpty)
        #expect(answer.media[0].direction == .recvonly)
        #expect(answer.media[1].rtcpFeedback(108) == ["nack", "nack pli", "ccm fir"])
    }

    @Test("With data channels enabled, Chromium's m=application section is accepted into the BUNDLE (RFC 8841)")
    func chromiumDataChannelAccepted() throws {
        let offer = try SDPTestVectors.parse(SDPTestVectors.chromiumSendrecvDataChannel)
        var options = SDPTestVectors.options(direction: .recvonly)
        options.dataChannels = DataChannelParameters(sctpPort: 5000, maxMessageSize: 131_072)
        let (answer, media) = try SDPAnswerer.answer(to: offer, options: options)
        #expect(media.map(\.accepted) == [true, true, true])
        #expect(media[2].remoteSCTPPort == 5000 && media[2].remoteMaxMessageSize == 262_144)
        #expect(answer.bundleGroup == ["0", "1", "2"])
        let data = answer.media[2]
        #expect(data.lineValue == "application 9 UDP/DTLS/SCTP webrtc-datachannel")
        #expect(data.mid == "2" && data.sctpPort == 5000 && data.maxMessageSize == 131_072)
        #expect(data.iceUfrag == answer.media[0].iceUfrag && data.fingerprint == answer.media[0].fingerprint)
        #expect(data.rtpMaps.isEmpty && !data.rtcpMux)
        // The answer parses back with the same section.
        let reparsed = try SessionDescription(parsing: answer.serialized())
        #expect(reparsed.media[2].sctpPort == 5000)
    }

    @Test("Data channel sections: defaults when the offer omits sctp-port/max-message-size, refusals with reasons")
    func dataChannelRules() throws {
        let offer = try SDPTestVectors.parse(SDPTestVectors.chromiumSendrecvDataChannel)
        var options = SDPTestVectors.options(direction: .recvonly)
        options.dataChannels = DataChannelParameters()
        var bare = offer
        bare.media[2].attributes.removeAll { $0.name == "sctp-port" || $0.name == "max-message-size" }
        let (_, defaults) = try SDPAnswerer.answer(to: bare, options: options)
        #expect(defaults[2].accepted && defaults[2].remoteSCTPPort == 5000 && defaults[2].remoteMaxMessageSize == 65_536)

        var legacy = offer
        legacy.media[2].proto = "DTLS/SCTP"
        legacy.media[2].formats = ["5000"]
        let (_, refused) = try SDPAnswerer.answer(to: legacy, options: options)
        #expect(refused[2].accepted == false)
        #expect(refused[2].rejectionReason?.contains("webrtc-datachannel required") == true)

        var badPort = offer
        badPort.media[2].attributes.removeAll { $0.name == "sctp-port" }
        badPort.media[2].attributes.append(SDPAttribute("sctp-port", "70000"))
        let (_, invalid) = try SDPAnswerer.answer(to: badPort, options: options)
        #expect(invalid[2].rejectionReason == "invalid a=sctp-port")
        #expect(invalid[0].accepted && invalid[1].accepted, "the media sections are unaffected")
    }

    @Test("Firefox: packetization-mode=1 PT chosen over the mode-0 one, session-level fingerprint accepted")
    func firefox() throws {
        let offer = try SDPTestVectors.parse(SDPTestVectors.firefoxSendrecv)
        let (answer, media) = try SDPAnswerer.answer(to: offer, options: SDPTestVectors.options(direction: .sendonly))
        #expect(media.map(\.payloadType) == [109, 126])
        #expect(media.map(\.direction) == [.sendonly, .sendonly])
        #expect(media[0].remoteSSRCs == [2_655_508_255])
        #expect(answer.media[1].fmtpLine(126) == "profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1")
        // Offered 6/recvonly is answered 6/sendonly (RFC 8285 §7).
        #expect(media[1].extensions == [ExtMap(id: 3, uri: "urn:ietf:params:rtp-hdrext:sdes:mid"),
                                        ExtMap(id: 6, direction: .sendonly,
                                               uri: "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay")])
        #expect(answer.media[0].rtpMaps == [RTPMap(payloadType: 109, encodingName: "opus", clockRate: 48000, channels: 2)])
        #expect(answer.media[0].fmtpLine(109) == "maxplaybackrate=48000;stereo=1;useinbandfec=1")
        #expect(answer.media[0].rtcpReducedSize == false)
        #expect(answer.bundleGroup == ["0", "1"])
    }

    @Test("Safari: Constrained Baseline PT chosen although Constrained High is offered first")
    func safari() throws {
        let offer = try SDPTestVectors.parse(SDPTestVectors.safariRecvonly)
        let (answer, media) = try SDPAnswerer.answer(to: offer, options: SDPTestVectors.options(direction: .sendonly))
        #expect(media.map(\.payloadType) == [111, 98])
        #expect(answer.media.map(\.formats) == [["111"], ["98"]])
        #expect(media[0].rtcpFeedback.isEmpty)
        #expect(answer.media.allSatisfy { $0.direction == .sendonly && $0.port == 9 })
    }

    @Test("every vector answers, and the answer round-trips", arguments: SDPTestVectors.all)
    func everyVectorAnswers(name: String) throws {
        let offer = try SDPTestVectors.parse(name)
        let offerSends = offer.media.contains { $0.direction.sends && !$0.isRejected }
        for direction in offerSends ? [MediaDirection.sendonly, .recvonly] : [.sendonly] {
            let (answer, media) = try SDPAnswerer.answer(to: offer, options: SDPTestVectors.options(direction: direction))
            #expect(answer.media.count == offer.media.count)
            #expect(answer.media.map(\.mid) == offer.media.map(\.mid))
            #expect(answer.bundleGroup == media.filter(\.accepted).compactMap(\.mid))
            #expect(answer.iceLite)
            #expect(try SessionDescription(parsing: answer.serialized()) == answer)
        }
    }

    @Test("a recvonly offer answered by a receive-only gateway fails with the direction mismatch")
    func recvonlyOfferToPublisherEndpoint() throws {
        let offer = try SDPTestVectors.parse(SDPTestVectors.chromiumRecvonly)
        #expect(throws: SDPError(.unsupported, "no media section could be accepted: direction mismatch: offer recvonly, "
                                 + "we recvonly; direction mismatch: offer recvonly, we recvonly")) {
            try SDPAnswerer.answer(to: offer, options: SDPTestVectors.options(direction: .recvonly))
        }
    }
}
