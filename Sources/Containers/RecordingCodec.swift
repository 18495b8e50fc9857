/// A codec and the decoder configuration a container needs to describe it.
public enum RecordingCodec: Sendable, Equatable {
    /// H.264 with its parameter sets (NAL units with header byte, no start code).
    case h264(sequenceParameterSets: [[UInt8]], pictureParameterSets: [[UInt8]])
    /// H.265 with its parameter sets (NAL units with the 2-byte header, no start code).
    case h265(videoParameterSets: [[UInt8]], sequenceParameterSets: [[UInt8]], pictureParameterSets: [[UInt8]])
    case av1(AV1CodecConfiguration)
    case vp8(VPCodecConfiguration)
    case vp9(VPCodecConfiguration)
    case opus(OpusCodecConfiguration)
    /// AAC with its AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1, the `config=` of RFC 3640),
    /// stored as `mp4a` with an `esds` (ISO/IEC 14496-14 §5.6).
    case aac(audioSpecificConfig: [UInt8], channels: Int, sampleRate: Int)

    /// True for the audio codecs.
    public var isAudio: Bool {
        switch self {
        case .opus, .aac: true
        default: false
        }
    }
}

/// The fields of the AV1 codec configuration record (AV1-ISOBMFF §2.3.3), taken from the
/// sequence header OBU, which travels along in `configOBUs`.
public struct AV1CodecConfiguration: Sendable, Equatable {
    public var seqProfile: UInt8
    public var seqLevelIndex0: UInt8
    public var seqTier0: UInt8
    public var highBitdepth: Bool
    public var twelveBit: Bool
    public var monochrome: Bool
    public var chromaSubsamplingX: Bool
    public var chromaSubsamplingY: Bool
    public var chromaSamplePosition: UInt8
    /// The sequence header OBU (and optionally metadata OBUs), in low-overhead format.
    public var configOBUs: [UInt8]

    /// Defaults describe 8-bit 4:2:0 Main profile at level 4.0 (seq_level_idx 8).
    public init(seqProfile: UInt8 = 0, seqLevelIndex0: UInt8 = 8, seqTier0: UInt8 = 0, highBitdepth: Bool = false,
                twelveBit: Bool = false, monochrome: Bool = false, chromaSubsamplingX: Bool = true,
                chromaSubsamplingY: Bool = true, chromaSamplePosition: UInt8 = 0, configOBUs: [UInt8] = []) {
        self.seqProfile = seqProfile
        self.seqLevelIndex0 = seqLevelIndex0
        self.seqTier0 = seqTier0
        self.highBitdepth = highBitdepth
        self.twelveBit = twelveBit
        self.monochrome = monochrome
        self.chromaSubsamplingX = chromaSubsamplingX
        self.chromaSubsamplingY = chromaSubsamplingY
        self.chromaSamplePosition = chromaSamplePosition
        self.configOBUs = configOBUs
    }
}

/// The VP codec configuration record (VP Codec ISO Media File Format Binding §2.2, `vpcC`).
public struct VPCodecConfiguration: Sendable, Equatable {
    public var profile: UInt8
    /// Level times ten (10 = level 1, 31 = level 3.1).
    public var level: UInt8
    public var bitDepth: UInt8
    /// 0 = 4:2:0 vertical, 1 = 4:2:0 colocated, 2 = 4:2:2, 3 = 4:4:4.
    public var chromaSubsampling: UInt8
    public var videoFullRange: Bool
    /// ISO/IEC 23091-2 code points; 2 = unspecified.
    public var colourPrimaries: UInt8
    public var transferCharacteristics: UInt8
    public var matrixCoefficients: UInt8

    public init(profile: UInt8 = 0, level: UInt8 = 31, bitDepth: UInt8 = 8, chromaSubsampling: UInt8 = 1,
                videoFullRange: Bool = false, colourPrimaries: UInt8 = 2, transferCharacteristics: UInt8 = 2,
                matrixCoefficients: UInt8 = 2) {
        self.profile = profile
        self.level = level
        self.bitDepth = bitDepth
        self.chromaSubsampling = chromaSubsampling
        self.videoFullRange = videoFullRange
        self.colourPrimaries = colourPrimaries
        self.transferCharacteristics = transferCharacteristics
        self.matrixCoefficients = matrixCoefficients
    }
}

/// What an Opus decoder needs before the first packet: the fields shared by the Ogg `OpusHead`
/// (RFC 7845 §5.1) and the ISOBMFF `dOps` box (Opus in ISOBMFF §4.3.2).
public struct OpusCodecConfiguration: Sendable, Equatable {
    public var channelCount: Int
    /// 48 kHz samples to discard at the start.
    public var preSkip: UInt16
    public var inputSampleRate: UInt32
    /// Q7.8 dB.
    public var outputGain: Int16
    /// 0 = mono/stereo; others need stream counts and a mapping.
    public var mappingFamily: UInt8
    public var streamCount: Int
    public var coupledStreamCount: Int
    public var channelMapping: [UInt8]

    /// Mapping family 0 (one or two channels).
    public init(channelCount: Int = 2, preSkip: UInt16 = 0, inputSampleRate: UInt32 = 48_000, outputGain: Int16 = 0) {
        self.channelCount = channelCount
        self.preSkip = preSkip
        self.inputSampleRate = inputSampleRate
        self.outputGain = outputGain
        self.mappingFamily = 0
        self.streamCount = 1
        self.coupledStreamCount = channelCount > 1 ? 1 : 0
        self.channelMapping = channelCount > 1 ? [0, 1] : [0]
    }

    /// Any mapping family (RFC 7845 §5.1.1).
    public init(channelCount: Int, preSkip: UInt16, inputSampleRate: UInt32, outputGain: Int16, mappingFamily: UInt8,
                streamCount: Int, coupledStreamCount: Int, channelMapping: [UInt8]) {
        self.channelCount = channelCount
        self.preSkip = preSkip
        self.inputSampleRate = inputSampleRate
        self.outputGain = outputGain
        self.mappingFamily = mappingFamily
        self.streamCount = streamCount
        self.coupledStreamCount = coupledStreamCount
        self.channelMapping = channelMapping
    }

    /// Validates the fields the way `OpusHead(parsing:)` does for a file.
    func validate() throws(ContainerError) {
        guard (1...255).contains(channelCount) else { throw .invalid("Opus channel count \(channelCount)") }
        if mappingFamily == 0 {
            guard channelCount <= 2 else { throw .invalid("Opus: \(channelCount) channels with mapping family 0") }
        } else {
            guard streamCount >= 1, coupledStreamCount <= streamCount, streamCount + coupledStreamCount <= 255,
                  channelMapping.count == channelCount else {
                throw .invalid("Opus stream counts \(streamCount)/\(coupledStreamCount) for \(channelCount) channels")
            }
        }
    }
}
