import Codecs

/// One codec track on its way into a container: what the container's header needs (house plan
/// §4: the recording side's codec facts live here, keyed by the registry's format), learnt once
/// per stream from the SDP `fmtp` and the access units — H.264 SPS/PPS, H.265 VPS/SPS/PPS, the
/// VP8/VP9 keyframe size and VP9 profile, the AV1 sequence header, the AAC AudioSpecificConfig —
/// and the bytes of each sample. A recorder drives it (segments, files, timing) without knowing
/// the codec. The MP4 sample entry it yields is a `RecordingTrack`.
public struct ContainerTrack: Sendable {
    public let codec: CodecDescriptor
    public let container: ContainerFormat
    /// The track's RTP clock rate in Hz (the MP4 timescale, the IVF timebase).
    public let clockRate: Int
    /// Audio channels as the source gave them, nil when unspecified.
    public let channels: Int?
    /// AAC: the `config=` of the `mpeg4-generic` fmtp (RFC 3640 §4.1).
    let audioSpecificConfig: AAC.AudioSpecificConfig?
    /// Latest parameter sets seen (H.264 SPS/PPS, H.265 VPS/SPS/PPS), by NAL type.
    private(set) var parameterSets: [UInt8: [UInt8]] = [:]
    /// The parameter sets (or AV1 sequence header, under key 0) in the current MP4 segment's
    /// sample entry: H.265 samples leave out the ones equal to these, a change asks for a new segment.
    private(set) var configuredParameterSets: [UInt8: [UInt8]] = [:]
    /// Picture size from the latest VP8/VP9 keyframe or AV1 sequence header.
    public private(set) var videoSize: (width: Int, height: Int)?
    /// VP9 profile and level from the latest keyframe (`vpcC`).
    private(set) var vp9Configuration: VPCodecConfiguration?
    /// AV1 configuration from the latest sequence header OBU (`av1C`, which carries it).
    private(set) var av1Configuration: AV1CodecConfiguration?

    /// Key of the AV1 sequence header OBU in `configuredParameterSets` (no NAL type is 0 here).
    static let sequenceHeaderKey: UInt8 = 0
    /// Largest parameter set or sequence header OBU kept, in bytes.
    static let maxConfigurationUnitBytes = 1024

    /// A track of `codec` for `container`, seeded from the source's fmtp (H.264
    /// `sprop-parameter-sets`, H.265 `sprop-vps`/`sprop-sps`/`sprop-pps`). Throws `.unsupported`
    /// when the container does not carry the codec, `.missingConfiguration` for AAC without a
    /// valid `config=`.
    public init(codec: CodecDescriptor, container: ContainerFormat, clockRate: Int, channels: Int?,
                fmtp: [String: String]) throws(ContainerError) {
        guard container.carries(codec.format) else { throw .unsupported("\(codec.name) in \(container.rawValue)") }
        self.codec = codec
        self.container = container
        self.clockRate = clockRate
        self.channels = channels
        if codec.format == .aac {
            guard let config = Self.audioSpecificConfig(fmtp) else { throw .missingConfiguration("config= AudioSpecificConfig") }
            audioSpecificConfig = config
        } else {
            audioSpecificConfig = nil
        }
        let outOfBand = switch codec.format {
        case .h264: fmtp["sprop-parameter-sets"].map(H264.parseSpropParameterSets) ?? []
        case .h265: H265.parameterSets(fromFmtp: fmtp)
        default: [[UInt8]]()
        }
        for unit in outOfBand { learnParameterSet(unit) }
    }

    /// A sample's duration, in the track's clock, until the next timestamp tells it: an AAC frame
    /// (1024 samples), 20 ms of other audio, 1/30 s of video; at least one tick.
    public var defaultSampleDuration: UInt32 {
        let ticks = codec.format == .aac ? AAC.samplesPerFrame
            : codec.kind == .audio ? clockRate / 50 : clockRate / 30
        return max(UInt32(clamping: ticks), 1)
    }

    /// The IVF FourCC (VP8, VP9, AV1), "VP80" for a codec IVF does not carry.
    public var ivfFourCC: String { ContainerFormat.ivfFourCC(codec.format) ?? "VP80" }

    /// The Opus header fields (Ogg `OpusHead`, MP4 `dOps`): mapping family 0, two channels unless told.
    public var opusConfiguration: OpusCodecConfiguration { OpusCodecConfiguration(channelCount: channels ?? 2) }

    /// 48 kHz samples in one Opus packet (the Ogg granule step), nil for other codecs or a bad packet.
    public func sampleCount(_ sample: [UInt8]) -> Int? {
        guard codec.format == .opus else { return nil }
        return try? Opus.sampleCount(sample[...])
    }

    // MARK: - Learning

    /// Keeps the parameter sets, picture size and configuration a segment header needs. Returns
    /// true when they differ from the ones in the current MP4 segment's sample entry.
    public mutating func learn(from unit: AccessUnit) -> Bool {
        switch codec.format {
        case .h264, .h265:
            var changed = false
            for nal in unit.payloads {
                guard let type = learnParameterSet(nal) else { continue }
                if let configured = configuredParameterSets[type], configured != nal { changed = true }
            }
            return changed
        case .vp8:
            if unit.isKeyframe, let frame = unit.payloads.first, let size = VP8.keyframeDimensions(frame[...]),
               size.width > 0, size.height > 0 {
                videoSize = size
            }
        case .vp9:
            guard unit.isKeyframe, let frame = unit.payloads.first,
                  let header = try? VP9.FrameHeader(parsing: frame[...]), header.isKeyframe,
                  let width = header.width, let height = header.height else { return false }
            videoSize = (width, height)
            vp9Configuration = Self.vp9Configuration(profile: header.profile, width: width, height: height)
        case .av1:
            for obu in unit.payloads where obu.first.map(AV1.obuType) == AV1.OBUType.sequenceHeader {
                if obu != av1Configuration?.configOBUs { learnSequenceHeader(obu) }
                let configured = configuredParameterSets[Self.sequenceHeaderKey]
                return configured != nil && configured != av1Configuration?.configOBUs
            }
        case .opus, .pcmu, .pcma, .aac, .aacLATM:
            break
        }
        return false
    }

    /// A new segment starts: an MP4 sample entry now holds the configuration learnt so far.
    public mutating func segmentStarted() {
        guard container == .mp4 else { return }
        configuredParameterSets = switch codec.format {
        case .h264, .h265: parameterSets
        case .av1: av1Configuration.map { [Self.sequenceHeaderKey: $0.configOBUs] } ?? [:]
        default: [:]
        }
    }

    /// Stores an H.264 SPS/PPS or H.265 VPS/SPS/PPS; returns its NAL type, nil for other units.
    @discardableResult
    mutating func learnParameterSet(_ nal: [UInt8]) -> UInt8? {
        guard let header = nal.first, nal.count <= Self.maxConfigurationUnitBytes else { return nil }
        let type: UInt8
        switch codec.format {
        case .h264:
            type = H264.nalType(header)
            guard type == H264.NALType.sps || type == H264.NALType.pps else { return nil }
        case .h265:
            type = H265.nalType(header)
            guard H265.isParameterSet(type), nal.count >= 3 else { return nil }
        default:
            return nil
        }
        parameterSets[type] = nal
        return type
    }

    /// Parses a sequence header OBU (low-overhead form) into the `av1C` fields and the size;
    /// headers that do not parse are ignored.
    private mutating func learnSequenceHeader(_ obuBytes: [UInt8]) {
        guard obuBytes.count <= Self.maxConfigurationUnitBytes,
              let obu = try? AV1.OBU(parsing: obuBytes[...]),
              let header = try? AV1.SequenceHeader(payload: obu.payload) else { return }
        videoSize = (header.maxFrameWidth, header.maxFrameHeight)
        av1Configuration = AV1CodecConfiguration(
            seqProfile: header.profile, seqLevelIndex0: header.levelIndex0, seqTier0: header.tier0,
            highBitdepth: header.highBitdepth, twelveBit: header.twelveBit, monochrome: header.monochrome,
            chromaSubsamplingX: header.subsamplingX, chromaSubsamplingY: header.subsamplingY,
            chromaSamplePosition: header.chromaSamplePosition, configOBUs: obuBytes)
    }
}
