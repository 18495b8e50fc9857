import Testing
@testable import SDP

@Suite("bandwidth feedback in answers (transport-wide cc extension, transport-cc, goog-remb)")
struct BandwidthFeedbackNegotiationTests {
    private static let twccURI = BandwidthFeedbackNegotiation.transportWideSequenceURI

    private static func publisherOptions(feedback: Bool) -> AnswerOptions {
        var options = SDPTestVectors.options(direction: .recvonly, codecs: [.vp8, .h264ConstrainedBaseline, .opus])
        options.localTracks = [:]
        if feedback { options.acceptBandwidthFeedback() }
        return options
    }

    @Test("a Chromium sendrecv offer answered for a publisher gets the extension and both feedbacks")
    func chromiumOfferAccepted() throws {
        let offer = try SDPTestVectors.parse(SDPTestVectors.chromiumSendrecvDataChannel)
        let (answer, media) = try SDPAnswerer.answer(to: offer, options: Self.publisherOptions(feedback: true))
        let audio = try #require(media.first { $0.kind == .audio && $0.accepted })
        let video = try #require(media.first { $0.kind == .video && $0.accepted })
        #expect(audio.transportWideSequenceExtensionID == 3)
        #expect(video.transportWideSequenceExtensionID == 3)
        #expect(video.negotiatesTransportCC && video.negotiatesREMB)
        #expect(audio.negotiatesTransportCC && !audio.negotiatesREMB)   // Chromium offers only transport-cc for opus
        let text = answer.serialized()
        #expect(text.contains("a=extmap:3 \(Self.twccURI)\r\n"))
        #expect(text.contains("a=rtcp-fb:\(video.payloadType ?? 0) transport-cc\r\n"))
        #expect(text.contains("a=rtcp-fb:\(video.payloadType ?? 0) goog-remb\r\n"))
        #expect(text.contains("a=rtcp-fb:111 transport-cc\r\n"))
        // The other extensions the options support are kept; unknown ones are not answered.
        #expect(!text.contains("abs-send-time"))
    }

    @Test("without acceptBandwidthFeedback (viewers) nothing changes")
    func viewerAnswerUnchanged() throws {
        let offer = try SDPTestVectors.parse(SDPTestVectors.chromiumSendrecvDataChannel)
        let (answer, media) = try SDPAnswerer.answer(to: offer, options: Self.publisherOptions(feedback: false))
        #expect(media.allSatisfy { $0.transportWideSequenceExtensionID == nil && !$0.negotiatesTransportCC && !$0.negotiatesREMB })
        let text = answer.serialized()
        #expect(!text.contains("transport-cc") && !text.contains("goog-remb") && !text.contains(Self.twccURI))
    }

    @Test("wildcard rtcp-fb lines count; feedback not offered is not answered")
    func wildcardAndAbsent() throws {
        let withWildcard = SDPTestVectors.offer(sections: [(
            "m=video 9 UDP/TLS/RTP/SAVPF 96",
            ["a=sendonly", "a=rtpmap:96 VP8/90000", "a=rtcp-fb:* transport-cc", "a=rtcp-fb:96 nack",
             "a=extmap:7 \(Self.twccURI)"])])
        let (_, media) = try SDPAnswerer.answer(to: SessionDescription(parsing: withWildcard),
                                                options: Self.publisherOptions(feedback: true))
        #expect(media[0].rtcpFeedback == ["nack", "transport-cc"])
        #expect(media[0].transportWideSequenceExtensionID == 7)
        #expect(!media[0].negotiatesREMB)

        let rembOnly = SDPTestVectors.offer(sections: [(
            "m=video 9 UDP/TLS/RTP/SAVPF 96", ["a=sendonly", "a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 goog-remb"])])
        let (answer, rembMedia) = try SDPAnswerer.answer(to: SessionDescription(parsing: rembOnly),
                                                         options: Self.publisherOptions(feedback: true))
        #expect(rembMedia[0].negotiatesREMB && !rembMedia[0].negotiatesTransportCC)
        #expect(rembMedia[0].transportWideSequenceExtensionID == nil)
        #expect(answer.media[0].attributes.values(named: "rtcp-fb") == ["96 goog-remb"])
    }

    @Test("acceptBandwidthFeedback is idempotent")
    func idempotent() {
        var options = Self.publisherOptions(feedback: true)
        options.acceptBandwidthFeedback()
        #expect(options.codecs[0].rtcpFeedback == ["nack", "nack pli", "ccm fir", "transport-cc", "goog-remb"])
        #expect(options.supportedExtensions.contains(Self.twccURI))
    }
}
