import Testing
@testable import SDP

/// Answers that negotiate RTX (RFC 4588 §8) and RED (RFC 2198 §5) when the options accept them.
@Suite struct RetransmissionAnswerTests {
    static func viewerOptions(rtx: Bool, red: Bool) -> AnswerOptions {
        var options = SDPTestVectors.options(direction: .sendonly)
        options.localTracks[.video]?.rtxSSRC = 33333
        options.retransmission = rtx
        options.redundancy = red
        return options
    }

    @Test func viewerAnswerTakesTheCodecsRTXAndSignalsTheRTXSSRC() throws {
        let offer = try SDPTestVectors.parse(SDPTestVectors.chromiumRecvonly)
        let (answer, media) = try SDPAnswerer.answer(to: offer, options: Self.viewerOptions(rtx: true, red: false))
        #expect(media[0].payloadType == 108)
        #expect(media[0].retransmissionPayloadType == 109)
        let video = answer.media[0]
        #expect(video.formats == ["108", "109"])
        #expect(video.rtpMap(for: 109)?.encodingName == "rtx")
        #expect(video.fmtp(109)["apt"] == "108")
        #expect(video.retransmissionPayloadType(for: 108) == 109)
        #expect(video.ssrcGroups.map(\.semantics) == ["FID"])
        #expect(video.ssrcGroups.first?.ssrcs == [11111, 33333])
        #expect(video.attributes.values(named: "ssrc").contains("33333 cname:gw"))
        // Audio has no RTX in Chromium's offer; RED was not accepted: plain Opus.
        #expect(media[1].retransmissionPayloadType == nil && media[1].redundancyPayloadType == nil)
        #expect(answer.media[1].formats == ["111"])
        #expect(try SessionDescription(parsing: answer.serialized()) == answer)
    }

    @Test func withoutTheOptionTheAnswerHasNoRTX() throws {
        let offer = try SDPTestVectors.parse(SDPTestVectors.chromiumRecvonly)
        let (answer, media) = try SDPAnswerer.answer(to: offer, options: Self.viewerOptions(rtx: false, red: false))
        #expect(media[0].retransmissionPayloadType == nil)
        #expect(answer.media[0].formats == ["108"])
        #expect(answer.media[0].ssrcGroups.isEmpty)
        #expect(!answer.serialized().contains("33333"))
    }

    @Test func viewerAnswerTakesREDForOpus() throws {
        let offer = try SDPTestVectors.parse(SDPTestVectors.chromiumRecvonly)
        let (answer, media) = try SDPAnswerer.answer(to: offer, options: Self.viewerOptions(rtx: true, red: true))
        #expect(media[1].payloadType == 111)
        #expect(media[1].redundancyPayloadType == 63)
        let audio = answer.media[1]
        #expect(audio.formats == ["63", "111"])
        #expect(audio.rtpMap(for: 63)?.encodingName == "red")
        #expect(audio.redundancyPayloadType(for: 111) == 63)
        #expect(audio.ssrcGroups.isEmpty)   // no RTX for audio
    }

    @Test func publisherAnswerAcceptsRTXAndReadsTheFIDPairs() throws {
        let offer = try SDPTestVectors.parse(SDPTestVectors.chromiumSendrecvDataChannel)
        var options = SDPTestVectors.options(direction: .recvonly)
        options.retransmission = true
        let (answer, media) = try SDPAnswerer.answer(to: offer, options: options)
        #expect(media[1].payloadType == 108)
        #expect(media[1].retransmissionPayloadType == 109)
        #expect(media[1].remoteRetransmissionSSRCs == [576_950_731: 406_745_878])
        #expect(answer.media[1].formats == ["108", "109"])
        #expect(answer.media[1].ssrcGroups.isEmpty)   // we send nothing
        #expect(media[0].redundancyPayloadType == nil)   // RED is for what we send
    }

    @Test func publisherRTXWithoutFIDPairsIsDeclined() throws {
        // Simulcast offers (rid layers) signal no SSRCs: RTX could not be mapped back, so the answer
        // leaves it out and the sender resends on the media SSRC.
        let base = try SDPTestVectors.text(SDPTestVectors.chromiumSendrecvDataChannel)
        let offer = try SessionDescription(parsing: base.replacingOccurrences(of: "a=ssrc-group:FID 406745878 576950731",
                                                                             with: "a=x-no-ssrc-group"))
        var options = SDPTestVectors.options(direction: .recvonly)
        options.retransmission = true
        let (answer, media) = try SDPAnswerer.answer(to: offer, options: options)
        #expect(media[1].payloadType == 108 && media[1].retransmissionPayloadType == nil)
        #expect(answer.media[1].formats == ["108"])
    }

    @Test func fidPairsAreCappedAtTheLimitAndOnePast() throws {
        func offer(pairs: Int) throws -> SessionDescription {
            let base = try SDPTestVectors.text(SDPTestVectors.chromiumSendrecvDataChannel)
            let groups = (0..<pairs).map { "a=ssrc-group:FID \(1000 + $0) \(2000 + $0)" }.joined(separator: "\n")
            return try SessionDescription(parsing: base.replacingOccurrences(
                of: "a=ssrc-group:FID 406745878 576950731", with: groups))
        }
        var options = SDPTestVectors.options(direction: .recvonly)
        options.retransmission = true
        options.maxRetransmissionPairs = 4
        #expect(try SDPAnswerer.answer(to: offer(pairs: 4), options: options).media[1].remoteRetransmissionSSRCs.count == 4)
        #expect(try SDPAnswerer.answer(to: offer(pairs: 5), options: options).media[1].remoteRetransmissionSSRCs.count == 4)
    }
}
