import SDP

/// Capabilities the SDP tests answer with (the gateway builds its own from `CodecRegistry`).
extension CodecCapability {
    /// H.264 Constrained Baseline level 3.1, packetization mode 1 (RFC 6184), with NACK/PLI/FIR.
    public static let h264ConstrainedBaseline = CodecCapability(
        name: "H264", kind: .video, clockRate: 90000,
        fmtp: ["level-asymmetry-allowed": "1", "packetization-mode": "1", "profile-level-id": "42e01f"],
        rtcpFeedback: ["nack", "nack pli", "ccm fir"], formatMatch: .h264ProfileLevelID)

    /// VP8 (RFC 7741) with NACK/PLI/FIR.
    public static let vp8 = CodecCapability(name: "VP8", kind: .video, clockRate: 90000,
                                            rtcpFeedback: ["nack", "nack pli", "ccm fir"])

    /// Opus, always `opus/48000/2` in SDP (RFC 7587 §7).
    public static let opus = CodecCapability(name: "opus", kind: .audio, clockRate: 48000, channels: 2,
                                             fmtp: ["minptime": "10", "useinbandfec": "1"])

    /// G.711 µ-law (RFC 3551 static payload type 0).
    public static let pcmu = CodecCapability(name: "PCMU", kind: .audio, clockRate: 8000)

    /// G.711 A-law (RFC 3551 static payload type 8).
    public static let pcma = CodecCapability(name: "PCMA", kind: .audio, clockRate: 8000)
}
