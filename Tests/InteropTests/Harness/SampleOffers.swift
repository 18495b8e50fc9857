/// SDP bodies for the HTTP-level tests, built from a real Chromium 156 recvonly offer
/// (video + audio, BUNDLE, non-trickle), trimmed to the codecs that matter here; `sendonly` is
/// the same shape for WHIP.
enum SampleOffers {
    /// A recvonly offer a WHEP endpoint must accept: H.264 (packetization-mode 1, baseline and
    /// constrained baseline), VP8, Opus; one host candidate on 127.0.0.1.
    static let recvonly = offer(
        video: [
            "a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 nack", "a=rtcp-fb:96 nack pli", "a=rtcp-fb:96 ccm fir",
            "a=rtpmap:97 rtx/90000", "a=fmtp:97 apt=96",
            "a=rtpmap:102 H264/90000", "a=rtcp-fb:102 nack", "a=rtcp-fb:102 nack pli", "a=rtcp-fb:102 ccm fir",
            "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
            "a=rtpmap:103 rtx/90000", "a=fmtp:103 apt=102",
            "a=rtpmap:108 H264/90000", "a=rtcp-fb:108 nack", "a=rtcp-fb:108 nack pli",
            "a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
            "a=rtpmap:109 rtx/90000", "a=fmtp:109 apt=108",
        ],
        videoPayloadTypes: "96 97 102 103 108 109",
        audio: ["a=rtpmap:111 opus/48000/2", "a=fmtp:111 minptime=10;useinbandfec=1", "a=rtpmap:0 PCMU/8000"],
        audioPayloadTypes: "111 0")

    /// A sendonly offer as a WHIP publisher sends it (same transport lines): VP8 listed before
    /// H.264 (packetization-mode 1), Opus; one SSRC per section. A gateway that prefers H.264
    /// answers with PT 102 and Opus 111.
    static let sendonly = offer(
        video: [
            "a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 nack", "a=rtcp-fb:96 nack pli",
            "a=rtpmap:102 H264/90000", "a=rtcp-fb:102 nack", "a=rtcp-fb:102 nack pli", "a=rtcp-fb:102 ccm fir",
            "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
            "a=msid:rtcb v0", "a=ssrc:1111 cname:rtcbridge-interop", "a=ssrc:1111 msid:rtcb v0",
        ],
        videoPayloadTypes: "96 102",
        audio: [
            "a=rtpmap:111 opus/48000/2", "a=fmtp:111 minptime=10;useinbandfec=1",
            "a=msid:rtcb a0", "a=ssrc:2222 cname:rtcbridge-interop", "a=ssrc:2222 msid:rtcb a0",
        ],
        audioPayloadTypes: "111", direction: "sendonly")

    /// A well-formed offer whose codecs no gateway knows: the answer must be 406.
    static let unknownCodecs = offer(
        video: ["a=rtpmap:96 X-NOPE/90000"], videoPayloadTypes: "96",
        audio: ["a=rtpmap:111 X-NADA/48000/2"], audioPayloadTypes: "111")

    /// `count` bytes: the recvonly offer padded with harmless attribute lines (for the 413 test).
    static func oversized(count: Int) -> String {
        var sdp = recvonly
        let filler = "a=x-padding:" + String(repeating: "p", count: 100) + "\r\n"
        while sdp.utf8.count + filler.utf8.count <= count { sdp += filler }
        return sdp
    }

    /// Exactly `count` bytes (for tests at a size cap): the recvonly offer padded with
    /// `a=x-pad:ppp…` lines, the last one cut to fit; nil when `count` is too small for that.
    static func padded(toExactly count: Int) -> String? {
        let prefix = "a=x-pad:", suffix = "\r\n"
        let shortest = prefix.utf8.count + 1 + suffix.utf8.count
        var sdp = recvonly
        var remaining = count - sdp.utf8.count
        guard remaining >= shortest else { return remaining == 0 ? sdp : nil }
        while remaining > 0 {
            // Full 120-byte lines while that leaves room for one more line, then the rest.
            let length = remaining >= 120 + shortest ? 120 : remaining
            sdp += prefix + String(repeating: "p", count: length - shortest + 1) + suffix
            remaining -= length
        }
        return sdp
    }

    private static func offer(
        video: [String], videoPayloadTypes: String, audio: [String], audioPayloadTypes: String,
        direction: String = "recvonly"
    ) -> String {
        let transport = [
            "c=IN IP4 0.0.0.0", "a=rtcp:9 IN IP4 0.0.0.0",
            "a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0", "a=end-of-candidates",
            "a=ice-ufrag:EwYQ", "a=ice-pwd:QC8K5rlVNvf/ll7Uu1rohykL",
            "a=fingerprint:sha-256 EB:0E:3F:BC:89:28:92:A5:6B:19:A1:67:AC:B7:3C:0E:"
                + "58:21:5F:29:15:4F:64:14:18:C4:BE:95:E1:0C:F8:30",
            "a=setup:actpass",
        ]
        let lines = [
            "v=0", "o=- 1465673122114259906 2 IN IP4 127.0.0.1", "s=-", "t=0 0",
            "a=group:BUNDLE 0 1", "a=extmap-allow-mixed", "a=msid-semantic: WMS",
            "m=video 9 UDP/TLS/RTP/SAVPF \(videoPayloadTypes)",
        ] + transport + [
            "a=mid:0", "a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid",
            "a=\(direction)", "a=rtcp-mux", "a=rtcp-rsize",
        ] + video + [
            "m=audio 9 UDP/TLS/RTP/SAVPF \(audioPayloadTypes)",
        ] + transport + [
            "a=mid:1", "a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid", "a=\(direction)", "a=rtcp-mux",
        ] + audio
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
