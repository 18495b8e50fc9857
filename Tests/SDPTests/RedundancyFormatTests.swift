import SDP
import Testing

/// RTX (RFC 4588 §8.1) and RED (RFC 2198 §5) payload types found next to a codec in real offers.
@Suite struct RedundancyFormatTests {
    @Test func chromiumVideoOfferPairsEachCodecWithItsRTX() throws {
        let offer = try SDPTestVectors.parse("chromium-recvonly.sdp")
        let video = try #require(offer.media.first { $0.kind == .video })
        #expect(video.retransmissionPayloadType(for: 96) == 97)
        #expect(video.retransmissionPayloadType(for: 98) == 99)
        #expect(video.retransmissionPayloadType(for: 97) == nil)   // RTX of RTX: none
        let audio = try #require(offer.media.first { $0.kind == .audio })
        #expect(audio.retransmissionPayloadType(for: 111) == nil)
    }

    @Test func chromiumAudioOfferHasREDForOpus() throws {
        let offer = try SDPTestVectors.parse("chromium-recvonly.sdp")
        let audio = try #require(offer.media.first { $0.kind == .audio })
        #expect(audio.redundancyPayloadType(for: 111) == 63)
        #expect(audio.redundancyPayloadType(for: 0) == nil)        // RED lists Opus, not PCMU
    }

    static func audioOffer(redFmtp: String) throws -> MediaDescription {
        let text = """
            v=0\r
            o=- 1 2 IN IP4 127.0.0.1\r
            s=-\r
            t=0 0\r
            m=audio 9 UDP/TLS/RTP/SAVPF 111 63\r
            c=IN IP4 0.0.0.0\r
            a=mid:0\r
            a=rtpmap:111 opus/48000/2\r
            a=rtpmap:63 red/48000/2\r
            a=fmtp:63 \(redFmtp)\r

            """
        return try #require(try SessionDescription(parsing: text).media.first)
    }

    @Test func redBlockListIsCappedAtTheLimitAndOnePast() throws {
        let atCap = try Self.audioOffer(redFmtp: "111/111/111")
        #expect(atCap.redundancyPayloadType(for: 111, maxBlocks: 3) == 63)
        #expect(atCap.redundancyPayloadType(for: 111, maxBlocks: 2) == nil)
        let mixed = try Self.audioOffer(redFmtp: "111/0")
        #expect(mixed.redundancyPayloadType(for: 111) == nil)
        let malformed = try Self.audioOffer(redFmtp: "111//111")
        #expect(malformed.redundancyPayloadType(for: 111) == nil)
    }
}
