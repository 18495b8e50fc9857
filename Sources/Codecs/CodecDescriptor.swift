/// What the gateway knows about one RTP codec: its SDP names and defaults, and how to
/// (de)packetize it. Obtain descriptors from `CodecRegistry`; adapters never branch on codec names.
public struct CodecDescriptor: Sendable, Equatable {
    /// The codecs the registry knows.
    public enum Format: Sendable, Equatable, CaseIterable {
        case h264, h265, vp8, vp9, av1, opus, pcmu, pcma
        /// AAC in `mpeg4-generic` (RFC 3640) and in `MP4A-LATM` (RFC 6416, recognised only).
        case aac, aacLATM
    }

    public let format: Format
    /// Canonical SDP encoding name (RFC 8866 `a=rtpmap`): "H264", "VP8", "opus", "PCMU", ...
    public let name: String
    public let kind: CodecKind
    /// RTP clock rate in Hz.
    public let clockRate: Int
    /// Audio channel count as written in `a=rtpmap` (nil for video).
    public let channels: Int?
    /// Static payload type from RFC 3551 Table 4, if any.
    public let staticPayloadType: UInt8?
    /// fmtp parameters we offer by default.
    public let defaultFmtp: [String: String]
    /// `a=rtcp-fb` values we offer by default ("nack", "nack pli", "ccm fir", "transport-cc").
    public let rtcpFeedback: [String]
    /// True when browsers can receive this codec over WebRTC.
    public let webRTCCompatible: Bool
    /// fmtp values a WebRTC answer sets when it passes a source's stream through as it is
    /// (H.264: packetization mode 1, level asymmetry allowed); the source's other fmtp stay.
    public let passThroughFmtp: [String: String]

    public init(format: Format, name: String, kind: CodecKind, clockRate: Int, channels: Int?,
                staticPayloadType: UInt8?, defaultFmtp: [String: String], rtcpFeedback: [String],
                webRTCCompatible: Bool, passThroughFmtp: [String: String] = [:]) {
        self.format = format
        self.name = name
        self.kind = kind
        self.clockRate = clockRate
        self.channels = channels
        self.staticPayloadType = staticPayloadType
        self.defaultFmtp = defaultFmtp
        self.rtcpFeedback = rtcpFeedback
        self.webRTCCompatible = webRTCCompatible
        self.passThroughFmtp = passThroughFmtp
    }

    /// A depacketizer for this codec, or nil when the gateway cannot reassemble it. `fmtp` seeds
    /// H.264 (`sprop-parameter-sets`) and H.265 (`sprop-vps`/`sprop-sps`/`sprop-pps`) parameter sets
    /// and gives the AAC AU-header layout (nil when it is invalid; LATM has no depacketizer).
    public func makeDepacketizer(fmtp: [String: String] = [:],
                                 limits: DepacketizerLimits = DepacketizerLimits()) -> (any RTPDepacketizer)? {
        switch format {
        case .h264: H264Depacketizer(fmtp: fmtp, limits: limits)
        case .h265: H265Depacketizer(fmtp: fmtp, limits: limits)
        case .vp8: VP8Depacketizer(limits: limits)
        case .vp9: VP9Depacketizer(limits: limits)
        case .av1: AV1Depacketizer(limits: limits)
        case .opus, .pcmu, .pcma: FrameDepacketizer(limits: limits)
        case .aac: (try? AACPayloadFormat(fmtp: fmtp)).map { AACDepacketizer(format: $0, limits: limits) }
        case .aacLATM: nil
        }
    }

    /// A packetizer for this codec, or nil when the gateway cannot packetize it yet.
    public func makePacketizer() -> (any RTPPacketizer)? {
        switch format {
        case .h264: H264Packetizer()
        case .h265: H265Packetizer()
        case .vp8: VP8Packetizer()
        case .vp9: VP9Packetizer()
        case .av1: AV1Packetizer()
        case .opus, .pcmu, .pcma: FramePacketizer()
        case .aac: AACPacketizer()
        case .aacLATM: nil
        }
    }

    /// Cheap per-packet check for pass-through forwarding: does this RTP payload begin a point
    /// where a decoder can start? Always true for audio.
    public func isKeyframePacket(_ payload: ArraySlice<UInt8>) -> Bool {
        switch format {
        case .h264: H264.isKeyframePacket(payload: payload)
        case .h265: H265.isKeyframePacket(payload)
        case .vp8: VP8.isKeyframePacket(payload)
        case .vp9: VP9.isKeyframePacket(payload)
        case .av1: AV1.isKeyframePacket(payload)
        case .opus, .pcmu, .pcma, .aac, .aacLATM: true
        }
    }
}
