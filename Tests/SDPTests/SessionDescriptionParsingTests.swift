import Testing
@testable import SDP

@Suite("SessionDescription parsing and serialization (RFC 8866)")
struct SessionDescriptionParsingTests {
    @Test("every vector round-trips byte for byte", arguments: SDPTestVectors.all)
    func roundTrip(name: String) throws {
        let text = try SDPTestVectors.text(name)
        let parsed = try SessionDescription(parsing: text)
        #expect(parsed.serialized() == text)
        #expect(try SessionDescription(parsing: parsed.serialized()) == parsed)
    }

    @Test("LF endings and trailing whitespace parse to the same value as CRLF")
    func lineEndingsAndTrailingWhitespace() throws {
        let text = try SDPTestVectors.text(SDPTestVectors.chromiumRecvonly)
        let lf = text.replacingOccurrences(of: "\r\n", with: "\n")
        let spaced = text.replacingOccurrences(of: "\r\n", with: " \t\r\n")
        let crlf = try SessionDescription(parsing: text)
        #expect(try SessionDescription(parsing: lf) == crlf)
        #expect(try SessionDescription(parsing: spaced) == crlf)
        #expect(try SessionDescription(parsing: Array(text.utf8)) == crlf)
    }

    @Test("media accessors on the captured Chromium recvonly offer")
    func chromiumRecvonlyAccessors() throws {
        let offer = try SDPTestVectors.parse(SDPTestVectors.chromiumRecvonly)
        #expect(offer.origin.sessionID == "6415228073099098904")
        #expect(offer.origin.numericSessionID == 6_415_228_073_099_098_904)
        #expect(offer.bundleGroup == ["0", "1"])
        #expect(offer.iceLite == false)
        #expect(offer.media.count == 2)
        let video = offer.media[0]
        #expect(video.kind == .video && video.port == 9 && video.proto == "UDP/TLS/RTP/SAVPF")
        #expect(video.formats.count == 34 && video.formats.first == "96" && video.formats.last == "49")
        #expect(video.connection == "IN IP4 0.0.0.0")
        #expect(video.mid == "0")
        #expect(video.direction == .recvonly)
        #expect(video.rtpMaps.count == 34)
        #expect(video.rtpMap(for: 96) == RTPMap(payloadType: 96, encodingName: "VP8", clockRate: 90000))
        #expect(video.fmtpLine(102) == "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f")
        #expect(video.fmtp(102) == ["level-asymmetry-allowed": "1", "packetization-mode": "1", "profile-level-id": "42001f"])
        #expect(video.fmtp(96) == [:])
        #expect(video.rtcpFeedback(96) == ["goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"])
        #expect(video.extMaps.count == 11)
        #expect(video.extMaps[8] == ExtMap(id: 9, uri: "urn:ietf:params:rtp-hdrext:sdes:mid"))
        #expect(video.candidates.count == 2)
        #expect(video.candidates.first?.port == 52909)
        #expect(video.iceUfrag == "u4ZR" && video.icePwd == "PYpdrx08X4YxAigU3QOQ1pEF")
        #expect(video.fingerprint?.algorithm == "sha-256")
        #expect(video.fingerprint?.value.hasPrefix("E1:CF:EA:4F") == true)
        #expect(video.fingerprint?.digest?.count == 32)
        #expect(video.setup == .actpass)
        #expect(video.rtcpMux && video.rtcpReducedSize)
        #expect(video.rtcpPort == 9)
        #expect(video.ssrcs.isEmpty && video.msid == nil)
        #expect(video.endOfCandidates == false)
        #expect(video.isRejected == false)
        let audio = offer.media[1]
        #expect(audio.kind == .audio && audio.mid == "1")
        #expect(audio.rtpMap(for: 111) == RTPMap(payloadType: 111, encodingName: "opus", clockRate: 48000, channels: 2))
        #expect(audio.rtpMap(for: 0)?.encodingName == "PCMU")
        #expect(offer.iceUfrag(for: audio) == "u4ZR")
    }

    @Test("ssrc, msid and session-level msid-semantic on the captured Chromium sendrecv offer")
    func chromiumSendrecvAccessors() throws {
        let offer = try SDPTestVectors.parse(SDPTestVectors.chromiumSendrecvDataChannel)
        #expect(offer.bundleGroup == ["0", "1", "2"])
        #expect(offer.attributes.firstValue(named: "msid-semantic") == " WMS 74854f6b-2a0a-482d-9c81-b7f32575778e")
        let audio = offer.media[0], video = offer.media[1], data = offer.media[2]
        #expect(audio.direction == .sendrecv)
        #expect(audio.ssrcs == [3_059_024_485])
        #expect(audio.ssrcAttribute(3_059_024_485, "cname") == "705hb5//R1MWcSuO")
        #expect(audio.msid == "74854f6b-2a0a-482d-9c81-b7f32575778e ed2b0d13-42d7-4cf6-a43f-945073e01d25")
        #expect(audio.rtcpFeedback(111) == ["transport-cc"])
        #expect(video.ssrcs == [406_745_878, 576_950_731])
        #expect(video.ssrcGroups.count == 1)
        #expect(video.ssrcGroups.first?.semantics == "FID")
        #expect(video.ssrcGroups.first?.ssrcs == [406_745_878, 576_950_731])
        #expect(data.kind == .application && data.proto == "UDP/DTLS/SCTP" && data.formats == ["webrtc-datachannel"])
        #expect(data.attributes.firstValue(named: "sctp-port") == "5000")
    }

    @Test("session-level fingerprint falls back for media sections (Firefox format)")
    func firefoxSessionLevelFallback() throws {
        let offer = try SDPTestVectors.parse(SDPTestVectors.firefoxSendrecv)
        let audio = offer.media[0]
        #expect(audio.fingerprint == nil)
        #expect(offer.fingerprint?.value.hasPrefix("5C:A1") == true)
        #expect(offer.fingerprint(for: audio) == offer.fingerprint)
        #expect(offer.setup(for: audio) == .actpass)
        #expect(audio.port == 51234 && audio.connection == "IN IP4 192.168.1.23")
        #expect(audio.endOfCandidates)
        let candidates = audio.candidates
        #expect(candidates.map(\.type) == ["host", "host", "srflx"])
        #expect(candidates[1].transport == "TCP" && candidates[1].extensionValue("tcptype") == "active")
        #expect(candidates[2].relatedAddress == "192.168.1.23" && candidates[2].relatedPort == 51234)
        #expect(audio.extMaps[1] == ExtMap(id: 2, direction: .recvonly, uri: "urn:ietf:params:rtp-hdrext:csrc-audio-level"))
        #expect(audio.rtpMap(for: 9) == RTPMap(payloadType: 9, encodingName: "G722", clockRate: 8000, channels: 1))
    }

    @Test("an ffmpeg -sdp_file description parses: session c=, per-m ports, a=rtcp")
    func ffmpegSDPFile() throws {
        let text = "v=0\no=- 0 0 IN IP4 127.0.0.1\ns=No Name\nc=IN IP4 127.0.0.1\nt=0 0\na=tool:libavformat 59.27.100\n"
            + "m=video 5004 RTP/AVP 96\na=rtpmap:96 H264/90000\na=fmtp:96 packetization-mode=1\n"
            + "m=audio 5006 RTP/AVP 111\na=rtcp:5007\na=rtpmap:111 opus/48000/2\n"
        let sdp = try SessionDescription(parsing: text)
        #expect(sdp.sessionName == "No Name")
        #expect(sdp.connection == "IN IP4 127.0.0.1")
        #expect(sdp.attributes == [SDPAttribute("tool", "libavformat 59.27.100")])
        #expect(sdp.media.map(\.port) == [5004, 5006])
        #expect(sdp.media.map(\.proto) == ["RTP/AVP", "RTP/AVP"])
        #expect(sdp.media[0].connection == nil)
        #expect(sdp.connection(for: sdp.media[0]) == "IN IP4 127.0.0.1")
        #expect(SessionDescription.connectionAddress("IN IP4 127.0.0.1") == "127.0.0.1")
        #expect(SessionDescription.connectionAddress("IN IP4 233.252.0.1/127") == "233.252.0.1")
        #expect(sdp.media[0].fmtp(96)["packetization-mode"] == "1")
        #expect(sdp.media[0].rtcpPort == nil)
        #expect(sdp.media[1].rtcpPort == 5007)
        #expect(sdp.media[1].rtpMaps == [RTPMap(payloadType: 111, encodingName: "opus", clockRate: 48000, channels: 2)])
        #expect(sdp.serialized() == text.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test("unknown lines and attributes are preserved in RFC 8866 order")
    func unknownLinesPreserved() throws {
        let text = "v=0\r\no=jdoe 3724394400 3724394405 IN IP4 198.51.100.1\r\ns=Call\r\ni=A call\r\n"
            + "u=https://example.com\r\ne=j@example.com\r\nc=IN IP4 233.252.0.1/127\r\nb=AS:2000\r\n"
            + "t=2873397496 2873404696\r\nr=7d 1h 0 25h\r\nz=2882844526 -1h\r\nk=prompt\r\ny=unknown\r\n"
            + "a=recvonly\r\na=x-custom:has: colons\r\n"
            + "m=audio 49170/2 RTP/AVP 0\r\ni=audio\r\nc=IN IP4 233.252.0.2/127\r\nb=AS:64\r\nk=clear:x\r\n"
            + "q=what\r\na=x-empty:\r\na=sendonly\r\n"
        let sdp = try SessionDescription(parsing: text)
        #expect(sdp.serialized() == text)
        #expect(sdp.media[0].portCount == 2)
        #expect(sdp.media[0].direction == .sendonly)
        #expect(sdp.attributes[1] == SDPAttribute("x-custom", "has: colons"))
        #expect(sdp.media[0].attributes[0] == SDPAttribute("x-empty", ""))
        #expect(sdp.media[0].otherLines.map(\.type) == ["i", "b", "k", "q"])
        #expect(sdp.otherLines.contains(SDPLine(type: "y", value: "unknown")))
        #expect(sdp.timing.map(\.type) == ["t", "r"])
    }

    @Test("setters replace attributes in place and serialize")
    func setters() throws {
        var sdp = try SessionDescription(parsing: SDPTestVectors.offer(sections: [SDPTestVectors.opusSection]))
        sdp.media[0].direction = .sendonly
        sdp.media[0].mid = "audio"
        sdp.media[0].rtcpMux = false
        sdp.media[0].endOfCandidates = true
        sdp.iceLite = true
        #expect(sdp.media[0].direction == .sendonly)
        #expect(sdp.media[0].attributes.filter { $0.name == "sendonly" || $0.name == "recvonly" }.count == 1)
        let reparsed = try SessionDescription(parsing: sdp.serialized())
        #expect(reparsed.media[0].mid == "audio")
        #expect(reparsed.media[0].rtcpMux == false)
        #expect(reparsed.media[0].endOfCandidates)
        #expect(reparsed.iceLite)
        #expect(reparsed.serialized().contains("a=mid:audio\r\n"))
    }

    @Test("bundle-only sections (port 0) are not rejected (RFC 8843 §6)")
    func bundleOnly() throws {
        let text = SDPTestVectors.offer(sections: [
            SDPTestVectors.opusSection,
            ("m=video 0 UDP/TLS/RTP/SAVPF 96", ["a=bundle-only", "a=rtpmap:96 VP8/90000"]),
            ("m=video 0 UDP/TLS/RTP/SAVPF 96", ["a=rtpmap:96 VP8/90000"]),
        ])
        let sdp = try SessionDescription(parsing: text)
        #expect(sdp.media.map(\.isRejected) == [false, false, true])
        #expect(sdp.media.map(\.isBundleOnly) == [false, true, false])
    }
}
