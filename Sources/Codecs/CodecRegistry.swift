/// The one list of codecs the gateway handles (house plan §4: codec choices come from here).
public enum CodecRegistry {
    /// RTCP feedback the gateway implements for video (RFC 4585 NACK and PLI, RFC 5104 FIR).
    static let videoFeedback = ["nack", "nack pli", "ccm fir"]

    /// Every known codec, in default preference order (video first, then audio).
    public static let all: [CodecDescriptor] = [
        CodecDescriptor(format: .h264, name: "H264", kind: .video, clockRate: 90_000, channels: nil,
                        staticPayloadType: nil,
                        defaultFmtp: ["level-asymmetry-allowed": "1", "packetization-mode": "1",
                                      "profile-level-id": "42e01f"],
                        rtcpFeedback: videoFeedback, webRTCCompatible: true,
                        passThroughFmtp: ["packetization-mode": "1", "level-asymmetry-allowed": "1"]),
        CodecDescriptor(format: .vp8, name: "VP8", kind: .video, clockRate: 90_000, channels: nil,
                        staticPayloadType: nil, defaultFmtp: [:],
                        rtcpFeedback: videoFeedback, webRTCCompatible: true),
        CodecDescriptor(format: .vp9, name: "VP9", kind: .video, clockRate: 90_000, channels: nil,
                        staticPayloadType: nil, defaultFmtp: ["profile-id": "0"],
                        rtcpFeedback: videoFeedback, webRTCCompatible: true),
        CodecDescriptor(format: .av1, name: "AV1", kind: .video, clockRate: 90_000, channels: nil,
                        staticPayloadType: nil, defaultFmtp: [:],
                        rtcpFeedback: videoFeedback, webRTCCompatible: true),
        CodecDescriptor(format: .h265, name: "H265", kind: .video, clockRate: 90_000, channels: nil,
                        staticPayloadType: nil,
                        defaultFmtp: ["level-id": "93", "profile-id": "1", "tier-flag": "0", "tx-mode": "SRST"],
                        rtcpFeedback: videoFeedback, webRTCCompatible: false),
        CodecDescriptor(format: .opus, name: "opus", kind: .audio, clockRate: 48_000, channels: 2,
                        staticPayloadType: nil, defaultFmtp: ["minptime": "10", "useinbandfec": "1"],
                        rtcpFeedback: [], webRTCCompatible: true),
        CodecDescriptor(format: .pcmu, name: "PCMU", kind: .audio, clockRate: 8_000, channels: 1,
                        staticPayloadType: 0, defaultFmtp: [:], rtcpFeedback: [], webRTCCompatible: true),
        CodecDescriptor(format: .pcma, name: "PCMA", kind: .audio, clockRate: 8_000, channels: 1,
                        staticPayloadType: 8, defaultFmtp: [:], rtcpFeedback: [], webRTCCompatible: true),
        // AAC: carried to RTSP/RTP/recording outputs, not to browsers (the rtpmap gives rate and channels).
        CodecDescriptor(format: .aac, name: "mpeg4-generic", kind: .audio, clockRate: 48_000, channels: 2,
                        staticPayloadType: nil,
                        defaultFmtp: ["mode": "AAC-hbr", "sizelength": "13", "indexlength": "3", "indexdeltalength": "3"],
                        rtcpFeedback: [], webRTCCompatible: false),
        CodecDescriptor(format: .aacLATM, name: "MP4A-LATM", kind: .audio, clockRate: 90_000, channels: 2,
                        staticPayloadType: nil, defaultFmtp: [:], rtcpFeedback: [], webRTCCompatible: false),
    ]

    /// The descriptor for an SDP encoding name, compared case-insensitively ("h264", "OPUS").
    /// "HEVC" is accepted as an alias of H265.
    public static func descriptor(forEncodingName name: String) -> CodecDescriptor? {
        let key = name.lowercased() == "hevc" ? "h265" : name.lowercased()
        return all.first { $0.name.lowercased() == key }
    }

    /// The descriptor for a format.
    public static func descriptor(for format: CodecDescriptor.Format) -> CodecDescriptor? {
        all.first { $0.format == format }
    }
}
