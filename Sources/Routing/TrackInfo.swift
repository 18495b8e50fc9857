import Codecs

/// What a track carries, as far as routing cares: only video has keyframes and a GOP cache.
public enum TrackKind: Sendable, Hashable {
    case audio, video
}

/// One published track: the codec as the source names it (`a=rtpmap`, RFC 8866 §6.6) and as the
/// registry knows it (`codec`: clock rate, fmtp defaults, feedback, parameter sets, WebRTC
/// compatibility), so readers ask the descriptor instead of comparing encoding names.
public struct TrackInfo: Sendable, Equatable {
    /// Publisher-chosen identifier, unique within a path; `MediaUnit.trackID` refers to it.
    public var id: Int
    public var kind: TrackKind
    /// Encoding name as in `a=rtpmap` (for example "H264", "opus", "PCMU"), as the source spelled it.
    public var encodingName: String {
        didSet { codec = CodecRegistry.descriptor(forEncodingName: encodingName) }
    }
    /// The registry's entry for `encodingName`; nil for a codec the gateway does not know.
    public private(set) var codec: CodecDescriptor?
    /// RTP clock rate in Hz (RFC 3550 §5.1).
    public var clockRate: Int
    /// Audio channel count, nil when not applicable or unspecified.
    public var channels: Int?
    /// Format parameters as in `a=fmtp` (for example "packetization-mode": "1").
    public var fmtp: [String: String]
    /// Payload type used by the source (RFC 3550 §5.1); readers pick their own.
    public var payloadType: UInt8
    /// Set when the track is one simulcast layer of a layered video track.
    public var layer: TrackLayer?

    public init(id: Int, kind: TrackKind, encodingName: String, clockRate: Int, channels: Int? = nil,
                fmtp: [String: String] = [:], payloadType: UInt8) {
        self.id = id
        self.kind = kind
        self.encodingName = encodingName
        self.codec = CodecRegistry.descriptor(forEncodingName: encodingName)
        self.clockRate = clockRate
        self.channels = channels
        self.fmtp = fmtp
        self.payloadType = payloadType
    }
}

/// Which layered (simulcast) video track a track is a layer of (RFC 8853).
public struct TrackLayer: Sendable, Equatable {
    /// The id the layered track was negotiated with; its layers share it.
    public var group: Int
    /// The publisher's rid for the layer (RFC 8851).
    public var rid: String

    public init(group: Int, rid: String) {
        self.group = group
        self.rid = rid
    }
}
