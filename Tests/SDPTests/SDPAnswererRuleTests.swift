import Testing
import SDP

/// Answer rules on small synthetic offers: codec matching (RFC 6184 §8.1), rejection, errors.
@Suite("SDPAnswerer rules")
struct SDPAnswererRuleTests {
    typealias Vectors = SDPTestVectors

    private func answer(_ text: String, options: AnswerOptions = Vectors.options()) throws -> (SessionDescription, [NegotiatedMedia]) {
        let result = try SDPAnswerer.answer(to: SessionDescription(parsing: text), options: options)
        return (result.answer, result.media)
    }

    private func answerError(_ text: String, options: AnswerOptions = Vectors.options()) -> SDPError? {
        do {
            _ = try answer(text, options: options)
            return nil
        } catch let error as SDPError {
            return error
        } catch {
            return nil
        }
    }

    @Test("H.264 Baseline offer accepted for our Constrained Baseline (CB/B mismatch allowed)")
    func baselineMismatchAccepted() throws {
        let text = Vectors.offer(sections: [Vectors.opusSection,
                                            Vectors.h264Section("packetization-mode=1;profile-level-id=42001f")])
        let (answer, media) = try answer(text)
        #expect(media[1].accepted && media[1].payloadType == 102)
        #expect(answer.media[1].fmtpLine(102) == "packetization-mode=1;profile-level-id=42001f")
    }

    @Test("H.264 mismatches reject the video section with port 0 but keep audio", arguments: [
        "packetization-mode=1;profile-level-id=4d001f",  // Main
        "packetization-mode=1;profile-level-id=64001f",  // High
        "profile-level-id=42e01f",                       // mode 0 (absent)
        "packetization-mode=0;profile-level-id=42e01f",
        "packetization-mode=1;profile-level-id=zzzzzz",
    ])
    func h264Mismatch(fmtp: String) throws {
        let text = Vectors.offer(sections: [Vectors.opusSection, Vectors.h264Section(fmtp)])
        let (answer, media) = try answer(text)
        #expect(media.map(\.accepted) == [true, false])
        #expect(media[1].rejectionReason == "no common codec (offered: H264)")
        #expect(answer.media[1].port == 0 && answer.media[1].mid == "1")
        #expect(answer.bundleGroup == ["0"])
    }

    @Test("absent profile-level-id means Baseline (RFC 6184 §8.1) and matches our Constrained Baseline")
    func absentProfileLevelID() throws {
        let text = Vectors.offer(sections: [Vectors.h264Section("packetization-mode=1")])
        #expect(try answer(text).1[0].payloadType == 102)
    }

    @Test("a High-profile capability matches only a High offer")
    func highProfile() throws {
        let high = CodecCapability(name: "h264", kind: .video, clockRate: 90000,
                                   fmtp: ["packetization-mode": "1", "profile-level-id": "640032"],
                                   formatMatch: .h264ProfileLevelID)
        let text = Vectors.offer(sections: [(
            "m=video 9 UDP/TLS/RTP/SAVPF 102 104",
            ["a=rtpmap:102 H264/90000", "a=fmtp:102 packetization-mode=1;profile-level-id=42e01f",
             "a=rtpmap:104 H264/90000", "a=fmtp:104 packetization-mode=1;profile-level-id=64001f"])])
        #expect(try answer(text, options: Vectors.options(codecs: [high])).1[0].payloadType == 104)
    }

    @Test("bundle-only sections (port 0, transport attributes only in the tagged section) join the BUNDLE (RFC 8843 §7.3.3)")
    func bundleOnlySectionsAccepted() throws {
        // The tagged (first) section carries ICE, DTLS and rtcp-mux; the bundle-only one has port 0
        // and none of the IDENTICAL/TRANSPORT attributes (RFC 8843 §7.1.3, RFC 8859).
        let lines = ["v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0 1",
                     "m=audio 9 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 0.0.0.0"] + Vectors.defaultTransport
            + ["a=mid:0", "a=recvonly", "a=rtpmap:111 opus/48000/2",
               "m=video 0 UDP/TLS/RTP/SAVPF 102", "c=IN IP4 0.0.0.0", "a=bundle-only", "a=mid:1", "a=recvonly",
               "a=rtpmap:102 H264/90000", "a=fmtp:102 packetization-mode=1;profile-level-id=42e01f"]
        let (result, media) = try answer(lines.joined(separator: "\n") + "\n")
        #expect(media.map(\.accepted) == [true, true], "\(media.map(\.rejectionReason))")
        #expect(result.bundleGroup == ["0", "1"])
        #expect(result.media.allSatisfy { $0.port != 0 })
        // A bundle-only section outside the BUNDLE group is still refused, and so is one whose
        // tagged section lacks rtcp-mux.
        let outside = lines.map { $0 == "a=group:BUNDLE 0 1" ? "a=group:BUNDLE 0" : $0 }
        #expect(try answer(outside.joined(separator: "\n") + "\n").1.map(\.accepted) == [true, false])
        let noMux = lines.filter { $0 != "a=rtcp-mux" }
        #expect(answerError(noMux.joined(separator: "\n") + "\n") != nil)
    }

    @Test("sameValues: VP9 profile-id and AV1 profile must equal ours (absent = 0)")
    func sameValuesRule() throws {
        let vp9 = CodecCapability(name: "VP9", kind: .video, clockRate: 90000, fmtp: ["profile-id": "2"],
                                  formatMatch: .sameValues(["profile-id"]))
        let text = Vectors.offer(sections: [(
            "m=video 9 UDP/TLS/RTP/SAVPF 98 100",
            ["a=rtpmap:98 VP9/90000", "a=fmtp:98 profile-id=0", "a=rtpmap:100 VP9/90000", "a=fmtp:100 profile-id=2"])])
        #expect(try answer(text, options: Vectors.options(codecs: [vp9])).1[0].payloadType == 100)
        let av1 = CodecCapability(name: "AV1", kind: .video, clockRate: 90000, formatMatch: .sameValues(["profile"]))
        let av1Offer = Vectors.offer(sections: [(
            "m=video 9 UDP/TLS/RTP/SAVPF 35 45",
            ["a=rtpmap:35 AV1/90000", "a=fmtp:35 profile=1", "a=rtpmap:45 AV1/90000"])])
        #expect(try answer(av1Offer, options: Vectors.options(codecs: [av1])).1[0].payloadType == 45)
        let onlyProfile1 = Vectors.offer(sections: [("m=video 9 UDP/TLS/RTP/SAVPF 35",
                                                     ["a=rtpmap:35 AV1/90000", "a=fmtp:35 profile=1"])])
        #expect(answerError(onlyProfile1, options: Vectors.options(codecs: [av1]))?.kind == .noCommonCodec)
    }

    @Test("no common codec anywhere throws .noCommonCodec")
    func noCommonCodec() {
        let text = Vectors.offer(sections: [("m=video 9 UDP/TLS/RTP/SAVPF 96 97",
                                             ["a=rtpmap:96 VP8/90000", "a=rtpmap:97 rtx/90000", "a=fmtp:97 apt=96"])])
        let error = answerError(text)
        #expect(error?.kind == .noCommonCodec)
        #expect(error?.description == "SDP: no media section could be accepted: no common codec (offered: VP8, rtx)")
    }

    @Test("rtx/red/ulpfec are never chosen even when listed as capabilities")
    func auxiliaryFormatsSkipped() {
        let rtx = CodecCapability(name: "rtx", kind: .video, clockRate: 90000)
        let text = Vectors.offer(sections: [("m=video 9 UDP/TLS/RTP/SAVPF 97", ["a=rtpmap:97 rtx/90000"])])
        #expect(answerError(text, options: Vectors.options(codecs: [rtx]))?.kind == .noCommonCodec)
    }

    @Test("opus must be 48000/2; channel count and clock rate are compared")
    func opusParameters() throws {
        let mono = Vectors.offer(sections: [("m=audio 9 UDP/TLS/RTP/SAVPF 111", ["a=rtpmap:111 OPUS/48000"])])
        #expect(answerError(mono)?.kind == .noCommonCodec)
        let upper = Vectors.offer(sections: [("m=audio 9 UDP/TLS/RTP/SAVPF 111", ["a=rtpmap:111 OPUS/48000/2"])])
        #expect(try answer(upper).1[0].payloadType == 111)
    }

    @Test("static PCMU without rtpmap is matched and answered with an rtpmap")
    func staticPayloadType() throws {
        let text = Vectors.offer(sections: [("m=audio 9 UDP/TLS/RTP/SAVPF 0 8", [])])
        let (answer, media) = try answer(text, options: Vectors.options(codecs: [.pcma, .pcmu]))
        #expect(media[0].payloadType == 8)
        #expect(answer.media[0].attributes.values(named: "rtpmap") == ["8 PCMA/8000"])
    }

    @Test("our codec preference order wins over the offer's order")
    func preferenceOrder() throws {
        let text = Vectors.offer(sections: [("m=audio 9 UDP/TLS/RTP/SAVPF 0 111", ["a=rtpmap:111 opus/48000/2"])])
        #expect(try answer(text).1[0].payloadType == 111)
        #expect(try answer(text, options: Vectors.options(codecs: [.pcmu, .opus])).1[0].payloadType == 0)
    }

    @Test("rtcp-fb is the intersection, wildcard lines included")
    func feedbackIntersection() throws {
        let text = Vectors.offer(sections: [(
            "m=video 9 UDP/TLS/RTP/SAVPF 102",
            ["a=rtpmap:102 H264/90000", "a=fmtp:102 packetization-mode=1;profile-level-id=42e01f",
             "a=rtcp-fb:* ccm fir", "a=rtcp-fb:102 nack pli", "a=rtcp-fb:102 goog-remb"])])
        let (answer, media) = try answer(text)
        #expect(media[0].rtcpFeedback == ["nack pli", "ccm fir"])
        #expect(answer.media[0].attributes.values(named: "rtcp-fb") == ["102 nack pli", "102 ccm fir"])
    }

    @Test("a second section of an accepted kind is rejected and left out of BUNDLE")
    func secondSectionOfKind() throws {
        let text = Vectors.offer(sessionLines: ["a=group:BUNDLE 0 1 2"], sections: [
            Vectors.h264Section("packetization-mode=1;profile-level-id=42e01f"),
            Vectors.h264Section("packetization-mode=1;profile-level-id=42e01f"), Vectors.opusSection,
        ])
        let (answer, media) = try answer(text)
        #expect(media.map(\.accepted) == [true, false, true])
        #expect(media[1].rejectionReason == "a video section is already accepted")
        #expect(answer.bundleGroup == ["0", "2"])
        #expect(answer.media[1].port == 0)
    }

    @Test("sections outside the offered BUNDLE group, rejected in the offer or not DTLS-SRTP are rejected")
    func otherRejections() throws {
        let text = Vectors.offer(sessionLines: ["a=group:BUNDLE 0"], sections: [
            Vectors.opusSection, Vectors.h264Section("packetization-mode=1"),
        ])
        let media = try answer(text).1
        #expect(media[1].rejectionReason == "not in the offered BUNDLE group")
        let rejected = Vectors.offer(sections: [Vectors.opusSection, ("m=video 0 UDP/TLS/RTP/SAVPF 96", ["a=rtpmap:96 VP8/90000"])])
        #expect(try answer(rejected).1[1].rejectionReason == "rejected in the offer (port 0)")
        let plain = Vectors.offer(sections: [("m=audio 5004 RTP/AVP 111", ["a=rtpmap:111 opus/48000/2"])])
        let error = answerError(plain)
        #expect(error?.kind == .unsupported)
        #expect(error?.reason.contains("unsupported transport 'RTP/AVP'") == true)
    }

    @Test("missing rtcp-mux rejects the section with a clear reason")
    func rtcpMuxRequired() throws {
        let noMux = Vectors.defaultTransport.filter { $0 != "a=rtcp-mux" }
        let text = Vectors.offer(sections: [Vectors.opusSection], transport: noMux)
        let error = answerError(text)
        #expect(error?.kind == .unsupported)
        #expect(error?.description == "SDP: no media section could be accepted: offer lacks a=rtcp-mux, which WebRTC requires")
    }

    @Test("direction: offer sendrecv + we sendonly → sendonly; offer sendonly + we sendonly → rejected")
    func directions() throws {
        let sendrecv = Vectors.offer(sections: [Vectors.h264Section("packetization-mode=1", direction: "sendrecv")])
        #expect(try answer(sendrecv).1[0].direction == .sendonly)
        #expect(try answer(sendrecv, options: Vectors.options(direction: .recvonly)).1[0].direction == .recvonly)
        let sendonly = Vectors.offer(sections: [Vectors.opusSection, Vectors.h264Section("packetization-mode=1", direction: "sendonly")])
        let media = try answer(sendonly).1
        #expect(media[1].accepted == false)
        #expect(media[1].rejectionReason == "direction mismatch: offer sendonly, we sendonly")
        #expect(try answer(sendonly, options: Vectors.options(direction: .recvonly)).1[1].direction == .recvonly)
    }

    @Test("missing ICE credentials or fingerprint throw .missingField")
    func missingFields() {
        let noUfrag = Vectors.defaultTransport.filter { !$0.hasPrefix("a=ice-ufrag") }
        let error = answerError(Vectors.offer(sections: [Vectors.opusSection], transport: noUfrag))
        #expect(error?.kind == .missingField)
        #expect(error?.description == "SDP: offer has no a=ice-ufrag/a=ice-pwd for media section 0 (mid 0)")
        let noFingerprint = Vectors.defaultTransport.filter { !$0.hasPrefix("a=fingerprint") }
        #expect(answerError(Vectors.offer(sections: [Vectors.opusSection], transport: noFingerprint))?.kind == .missingField)
    }

    @Test("DTLS roles: offer active → passive; offer passive conflicts with our passive role")
    func dtlsRoles() throws {
        let active = Vectors.defaultTransport.map { $0 == "a=setup:actpass" ? "a=setup:active" : $0 }
        #expect(try answer(Vectors.offer(sections: [Vectors.opusSection], transport: active)).0.media[0].setup == .passive)
        let passive = Vectors.defaultTransport.map { $0 == "a=setup:actpass" ? "a=setup:passive" : $0 }
        let error = answerError(Vectors.offer(sections: [Vectors.opusSection], transport: passive))
        #expect(error?.kind == .unsupported)
        #expect(error?.reason == "offer a=setup:passive conflicts with our DTLS role passive")
    }

    @Test("options: no ice-lite, no end-of-candidates, no local track")
    func optionVariants() throws {
        var options = Vectors.options()
        options.iceLite = false
        options.endOfCandidates = false
        options.localTracks = [:]
        let (answer, _) = try answer(Vectors.offer(sections: [Vectors.opusSection]), options: options)
        #expect(answer.iceLite == false)
        #expect(answer.media[0].endOfCandidates == false)
        #expect(answer.media[0].msid == nil && answer.media[0].ssrcs.isEmpty)
        #expect(answer.media[0].candidates.count == 1)
    }
}
