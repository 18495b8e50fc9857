import CAudioCodecs
import Codecs

/// Decodes a camera's audio (AAC access units, or G.722) with libavcodec, resamples it to 48 kHz
/// with libswresample and encodes 20 ms Opus frames with libopus (RFC 7587), for WebRTC viewers
/// that cannot play the source codec. Sans-IO: a value in, values out, no threads or clocks.
///
/// Output RTP timestamps run at 48 kHz and advance by exactly 960 per frame. A gap in the input
/// timestamps (lost frames, a paused source) of up to `maxBridgedGapMilliseconds` advances the
/// output timeline by the same time, so audio stays in step; a backwards or larger jump is
/// counted and bridged without a hole. Malformed or oversized input frames are counted and
/// skipped (the libavcodec error never escapes).
public final class OpusTranscoder {
    public static let outputClockRate = 48_000
    /// Samples per channel in one 20 ms Opus frame at 48 kHz.
    public static let samplesPerFrame = 960

    public let source: TranscodeSource
    public let configuration: TranscodeConfiguration
    /// Output channels: 1 for a mono source, else 2 (down-mixed by libswresample).
    public let channels: Int
    public private(set) var stats = TranscodeStats()

    private let inputClockRate: Int
    private let decoder: OpaquePointer
    private let encoder: OpaquePointer
    /// Interleaved 16-bit PCM at 48 kHz waiting for a whole Opus frame.
    private var pending: [Int16] = []
    private var decodeBuffer: [Int16]
    private var encodeBuffer: [UInt8]
    private var nextOutputTimestamp: UInt32 = 0
    /// The input timestamp the next frame should carry (last + its duration), in the input clock.
    private var expectedInputTimestamp: UInt32?

    /// Largest decoded block accepted from one input frame, samples per channel at 48 kHz (an
    /// HE-AAC frame at 8 kHz is 2048 × 6 = 12288).
    static let decodeCapacity = 16_384
    /// Largest Opus packet libopus may write (RFC 6716 §3.4 allows 1275 bytes per frame).
    static let maxOpusPacketBytes = 1_500

    /// `inputClockRate` is the source track's RTP clock rate (the AAC sample rate for
    /// `mpeg4-generic`, 8000 for G.722 whatever its 16 kHz sampling).
    public init(source: TranscodeSource, inputClockRate: Int,
                configuration: TranscodeConfiguration = TranscodeConfiguration()) throws(TranscodeError) {
        guard inputClockRate > 0, inputClockRate <= 1_000_000 else { throw .invalidClockRate(inputClockRate) }
        guard TranscodeConfiguration.bitrateRange.contains(configuration.bitrate) else {
            throw .invalidBitrate(configuration.bitrate)
        }
        self.source = source
        self.configuration = configuration
        self.inputClockRate = inputClockRate
        let decoder: OpaquePointer?
        switch source {
        case .aac(let config):
            channels = config.channelConfiguration == 1 ? 1 : 2
            decoder = config.bytes.withUnsafeBufferPointer { bytes in
                rtcb_audio_decoder_create(Int32(RTCB_AUDIO_CODEC_AAC.rawValue), bytes.baseAddress, Int32(bytes.count),
                                          Int32(config.sampleRate), Int32(config.channelCount),
                                          Int32(Self.outputClockRate), Int32(config.channelConfiguration == 1 ? 1 : 2))
            }
        case .g722:
            channels = 1
            decoder = rtcb_audio_decoder_create(Int32(RTCB_AUDIO_CODEC_G722.rawValue), nil, 0, 16_000, 1,
                                                Int32(Self.outputClockRate), 1)
        }
        guard let decoder else { throw .decoderUnavailable("\(source)") }
        guard let encoder = rtcb_opus_encoder_create(Int32(channels), Int32(configuration.bitrate)) else {
            rtcb_audio_decoder_destroy(decoder)
            throw .encoderUnavailable
        }
        self.decoder = decoder
        self.encoder = encoder
        decodeBuffer = [Int16](repeating: 0, count: Self.decodeCapacity * channels)
        encodeBuffer = [UInt8](repeating: 0, count: Self.maxOpusPacketBytes)
    }

    deinit {
        rtcb_audio_decoder_destroy(decoder)
        rtcb_opus_encoder_destroy(encoder)
    }

    /// Duration of one input frame in the input clock, when the codec fixes it.
    private func inputDuration(ofFrameBytes count: Int) -> Int {
        switch source {
        case .aac(let config):
            // 1024 samples at the codec's rate, in the RTP clock (usually the same rate).
            guard config.sampleRate > 0 else { return AAC.samplesPerFrame }
            return AAC.samplesPerFrame * inputClockRate / config.sampleRate
        case .g722:
            // Two 16 kHz samples per byte = one tick of the 8 kHz RTP clock per byte (RFC 3551 §4.5.2).
            return count * inputClockRate / 8_000
        }
    }

    /// Transcodes one input frame stamped `rtpTimestamp` (input clock); returns the Opus frames
    /// completed by it, oldest first (none, one, or a few).
    public func push(_ frame: ArraySlice<UInt8>, rtpTimestamp: UInt32) -> [OpusFrame] {
        stats.framesIn += 1
        guard !frame.isEmpty else {
            stats.malformedFrames += 1
            return []
        }
        guard frame.count <= configuration.maxInputFrameBytes else {
            stats.oversizedFrames += 1
            return []
        }
        var frames = trackTimestamp(rtpTimestamp, frameBytes: frame.count)
        let decoded = frame.withUnsafeBufferPointer { input in
            decodeBuffer.withUnsafeMutableBufferPointer { output in
                rtcb_audio_decoder_decode(decoder, input.baseAddress, Int32(input.count), output.baseAddress,
                                          Int32(Self.decodeCapacity))
            }
        }
        guard decoded >= 0 else {
            stats.malformedFrames += 1
            stats.lastError = String(cString: rtcb_audio_error_name(decoded))
            return frames
        }
        stats.framesDecoded += 1
        let sampleCount = min(Int(decoded), Self.decodeCapacity) * channels
        pending.append(contentsOf: decodeBuffer[..<sampleCount])
        let cap = configuration.maxBufferedSamples * channels
        if pending.count > cap {
            stats.samplesDropped += (pending.count - cap) / channels
            pending.removeFirst(pending.count - cap)
        }
        frames += encodeWholeFrames()
        return frames
    }

    /// Updates the output timeline from the input timestamps (see the type's comment); returns
    /// the frame finished (padded with silence) before a bridged gap.
    private func trackTimestamp(_ rtpTimestamp: UInt32, frameBytes: Int) -> [OpusFrame] {
        defer {
            expectedInputTimestamp = rtpTimestamp &+ UInt32(truncatingIfNeeded: inputDuration(ofFrameBytes: frameBytes))
        }
        guard let expected = expectedInputTimestamp, expected != rtpTimestamp else { return [] }
        stats.timestampJumps += 1
        let gap = Int(Int32(bitPattern: rtpTimestamp &- expected))
        let maxGap = configuration.maxBridgedGapMilliseconds * inputClockRate / 1000
        guard gap > 0, gap <= maxGap else { return [] }
        // Lost input: what is pending belongs before the gap; finish it with silence, then skip ahead.
        let frameSamples = Self.samplesPerFrame * channels
        var outputGap = gap * Self.outputClockRate / inputClockRate
        var frames: [OpusFrame] = []
        let remainder = pending.count % frameSamples
        if remainder > 0 {
            pending.append(contentsOf: repeatElement(0, count: frameSamples - remainder))
            outputGap -= (frameSamples - remainder) / channels
            frames = encodeWholeFrames()
        }
        nextOutputTimestamp &+= UInt32(truncatingIfNeeded: max(0, outputGap))
        return frames
    }

    private func encodeWholeFrames() -> [OpusFrame] {
        let frameSamples = Self.samplesPerFrame * channels
        var frames: [OpusFrame] = []
        var consumed = 0
        while pending.count - consumed >= frameSamples {
            let offset = consumed
            let size = pending.withUnsafeBufferPointer { pcm in
                encodeBuffer.withUnsafeMutableBufferPointer { out in
                    rtcb_opus_encode(encoder, pcm.baseAddress.map { $0 + offset }, Int32(Self.samplesPerFrame),
                                     out.baseAddress, Int32(out.count))
                }
            }
            consumed += frameSamples
            defer { nextOutputTimestamp &+= UInt32(Self.samplesPerFrame) }
            guard size > 0 else {
                stats.encodeErrors += 1
                continue
            }
            frames.append(OpusFrame(payload: Array(encodeBuffer[..<Int(size)]), rtpTimestamp: nextOutputTimestamp))
            stats.opusFrames += 1
        }
        pending.removeFirst(consumed)
        return frames
    }
}
