import Foundation
import SDP

/// Loads files from `Vectors/` next to this source file (see Vectors/README.md for provenance).
enum SDPTestVectors {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors")

    static let chromiumRecvonly = "chromium-recvonly.sdp"
    static let chromiumSendrecvDataChannel = "chromium-sendrecv-datachannel.sdp"
    static let firefoxSendrecv = "firefox-sendrecv.representative.sdp"
    static let safariRecvonly = "safari-recvonly.representative.sdp"
    static let all = [chromiumRecvonly, chromiumSendrecvDataChannel, firefoxSendrecv, safariRecvonly]

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    static func parse(_ name: String) throws -> SessionDescription {
        try SessionDescription(parsing: text(name))
    }

    /// The gateway's answer options: WHEP viewer (`sendonly`) unless told otherwise.
    static func options(direction: MediaDirection = .sendonly,
                        codecs: [CodecCapability] = [.h264ConstrainedBaseline, .opus, .pcmu]) -> AnswerOptions {
        AnswerOptions(
            iceUfrag: "gwUfrag1", icePwd: "gatewayPassword0123456789",
            fingerprint: SDPFingerprint(digest: Array(0..<32)),
            candidates: [SDPCandidate(foundation: "1", priority: 2_130_706_431, address: "192.0.2.10", port: 40000)],
            codecs: codecs, localDirection: direction,
            localTracks: [
                .video: LocalTrack(ssrc: 11111, cname: "gw", streamID: "stream", trackID: "video0"),
                .audio: LocalTrack(ssrc: 22222, cname: "gw", streamID: "stream", trackID: "audio0"),
            ],
            supportedExtensions: ["urn:ietf:params:rtp-hdrext:sdes:mid",
                                  "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay"],
            sessionID: 4_242_424_242)
    }

    /// A minimal WebRTC offer with one section per entry; `body` lines go after the shared
    /// transport attributes. Uses LF endings on purpose.
    static func offer(sessionLines: [String] = ["a=group:BUNDLE 0 1"], sections: [(String, [String])],
                      transport: [String] = defaultTransport) -> String {
        var lines = ["v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0"] + sessionLines
        for (index, (mLine, body)) in sections.enumerated() {
            lines += [mLine, "c=IN IP4 0.0.0.0"] + transport + ["a=mid:\(index)"] + body
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static let defaultTransport = [
        "a=ice-ufrag:abcd", "a=ice-pwd:0123456789abcdefghijkl",
        "a=fingerprint:sha-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99",
        "a=setup:actpass", "a=rtcp-mux",
    ]

    static let opusSection = ("m=audio 9 UDP/TLS/RTP/SAVPF 111",
                              ["a=recvonly", "a=rtpmap:111 opus/48000/2", "a=fmtp:111 minptime=10;useinbandfec=1"])

    static func h264Section(_ fmtp: String, direction: String = "recvonly") -> (String, [String]) {
        ("m=video 9 UDP/TLS/RTP/SAVPF 102",
         ["a=\(direction)", "a=rtpmap:102 H264/90000", "a=rtcp-fb:102 nack", "a=rtcp-fb:102 nack pli",
          "a=fmtp:102 \(fmtp)"])
    }
}
