import Codecs

/// The audio an `OpusTranscoder` decodes.
public enum TranscodeSource: Sendable, Equatable, CustomStringConvertible {
    /// AAC (ISO/IEC 14496-3) raw access units, configured by the AudioSpecificConfig from the
    /// SDP (`config=` of RFC 3640) or an ADTS header.
    case aac(AAC.AudioSpecificConfig)
    /// G.722 (RFC 3551 §4.5.2): 16 kHz mono, RTP clock 8000.
    case g722

    public var description: String {
        switch self {
        case .aac(let config): "AAC (object type \(config.objectType), \(config.sampleRate) Hz, \(config.channelCount) ch)"
        case .g722: "G.722"
        }
    }
}

/// Transcoding options and caps.
public struct TranscodeConfiguration: Sendable, Equatable {
    public static let bitrateRange = 6_000...510_000   // what libopus accepts (RFC 6716 §2.1.1)
    /// Opus bitrate in bits per second (default 64 kbit/s).
    public var bitrate: Int
    /// Largest input frame in bytes; larger ones are counted in `oversizedFrames` and skipped. An
    /// AAC raw_data_block is at most 6144 bits per channel (ISO/IEC 14496-3 §4.5.3.2): 8 KiB
    /// covers 8 channels (ADTS's 13-bit frame length caps it there too).
    public var maxInputFrameBytes: Int
    /// Longest input gap (lost or missing frames) that moves the output timeline with it; longer
    /// or backward jumps are counted and closed up.
    public var maxBridgedGapMilliseconds: Int
    /// Most decoded audio held waiting for a whole Opus frame, samples per channel at 48 kHz.
    public var maxBufferedSamples: Int

    public init(bitrate: Int = 64_000, maxInputFrameBytes: Int = 8_192, maxBridgedGapMilliseconds: Int = 1_000,
                maxBufferedSamples: Int = 48_000) {
        self.bitrate = bitrate
        self.maxInputFrameBytes = maxInputFrameBytes
        self.maxBridgedGapMilliseconds = maxBridgedGapMilliseconds
        self.maxBufferedSamples = maxBufferedSamples
    }
}

/// One encoded 20 ms Opus frame and its RTP timestamp at 48 kHz.
public struct OpusFrame: Sendable, Equatable {
    public var payload: [UInt8]
    public var rtpTimestamp: UInt32
}

/// What a transcoder did (all counters only grow).
public struct TranscodeStats: Sendable, Equatable {
    public var framesIn = 0
    public var framesDecoded = 0
    /// Frames libavcodec refused (or empty ones): skipped.
    public var malformedFrames = 0
    /// Frames over `maxInputFrameBytes`: skipped undecoded.
    public var oversizedFrames = 0
    /// Input timestamps that did not follow the previous frame.
    public var timestampJumps = 0
    /// Decoded samples (per channel) dropped because more than `maxBufferedSamples` piled up.
    public var samplesDropped = 0
    public var opusFrames = 0
    public var encodeErrors = 0
    /// The last decoder error, in words.
    public var lastError: String?
    public init() {}
}

public enum TranscodeError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidClockRate(Int)
    case invalidBitrate(Int)
    case decoderUnavailable(String)
    case encoderUnavailable
    case unsupportedTrack(String)

    public var description: String {
        switch self {
        case .invalidClockRate(let rate): "invalid input clock rate \(rate)"
        case .invalidBitrate(let bitrate): "Opus bitrate \(bitrate) outside \(TranscodeConfiguration.bitrateRange)"
        case .decoderUnavailable(let what): "libavcodec cannot decode \(what)"
        case .encoderUnavailable: "libopus encoder unavailable"
        case .unsupportedTrack(let why): "cannot transcode track: \(why)"
        }
    }
}
