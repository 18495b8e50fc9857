import Codecs
import Containers

/// What each codec's segment header needs (parameter sets, picture size, configuration records),
/// learnt from the access units, and the bytes of one sample in each container.
extension RecorderMuxer.Track {
    /// Key of the AV1 sequence header OBU in `configuredParameterSets` (no NAL type is 0 here).
    static let sequenceHeaderKey: UInt8 = 0
    /// Largest parameter set or sequence header OBU kept, in bytes.
    static let maxConfigurationUnitBytes = 1024

    /// Keeps the parameter sets, picture size and configuration a segment header needs. Returns
    /// true when they differ from the ones in the current MP4 segment's sample entry.
    mutating func learn(from unit: AccessUnit) -> Bool {
        switch format {
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

    /// Stores an H.264 SPS/PPS or H.265 VPS/SPS/PPS; returns its NAL type, nil for other units.
    @discardableResult
    mutating func learnParameterSet(_ nal: [UInt8]) -> UInt8? {
        guard let header = nal.first, nal.count <= Self.maxConfigurationUnitBytes else { return nil }
        let type: UInt8
        switch format {
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

    /// What a new MP4 segment's sample entry will hold, to compare later units against.
    var currentConfiguration: [UInt8: [UInt8]] {
        switch format {
        case .h264, .h265: parameterSets
        case .av1: av1Configuration.map { [Self.sequenceHeaderKey: $0.configOBUs] } ?? [:]
        default: [:]
        }
    }

    /// The bytes of one sample: length-prefixed NAL units for H.264/H.265 (H.265 in MP4 without
    /// the parameter sets its `hvcC` already holds, ISO/IEC 14496-15 §8.4.1), AV1 temporal units
    /// without temporal delimiters in MP4 (AV1-ISOBMFF §2.4), VP9 spatial layers joined into a
    /// superframe, the frame or packet otherwise.
    func sampleData(_ unit: AccessUnit, for container: RecordingFormat) -> [UInt8] {
        switch format {
        case .h264:
            return FragmentedMP4Writer.Sample.lengthPrefixed(unit.payloads)
        case .h265 where container == .mp4:
            return FragmentedMP4Writer.Sample.lengthPrefixed(unit.payloads.filter { nal in
                guard let header = nal.first, H265.isParameterSet(H265.nalType(header)) else { return true }
                return configuredParameterSets[H265.nalType(header)] != nal
            })
        case .h265:
            return FragmentedMP4Writer.Sample.lengthPrefixed(unit.payloads)
        case .av1 where container == .mp4:
            var out: [UInt8] = []
            out.reserveCapacity(unit.byteCount)
            for obu in unit.payloads where obu.first.map(AV1.obuType) != AV1.OBUType.temporalDelimiter { out += obu }
            return out
        case .vp9 where unit.payloads.count > 1:
            return Self.superframe(unit.payloads)
        default:
            return unit.payloads.count == 1 ? unit.payloads[0] : unit.payloads.flatMap { $0 }
        }
    }

    /// The MP4 track description, or nil while its configuration is unknown.
    func recordingTrack() -> RecordingTrack? {
        let timescale = UInt32(clamping: info.clockRate)
        switch format {
        case .h264:
            guard let sps = parameterSets[H264.NALType.sps], let pps = parameterSets[H264.NALType.pps] else { return nil }
            return RecordingTrack(id: fileTrackID, codec: .h264(sequenceParameterSets: [sps], pictureParameterSets: [pps]),
                                  timescale: timescale)
        case .h265:
            guard let vps = parameterSets[H265.vps], let sps = parameterSets[H265.sps], let pps = parameterSets[H265.pps],
                  let parsed = try? H265.SequenceParameterSet(nalUnit: sps[...]) else { return nil }
            return RecordingTrack(id: fileTrackID,
                                  codec: .h265(videoParameterSets: [vps], sequenceParameterSets: [sps], pictureParameterSets: [pps]),
                                  timescale: timescale, width: parsed.width, height: parsed.height)
        case .vp8:
            guard let videoSize else { return nil }
            return RecordingTrack(id: fileTrackID, codec: .vp8(VPCodecConfiguration(level: 10)),
                                  timescale: timescale, width: videoSize.width, height: videoSize.height)
        case .vp9:
            guard let videoSize, let vp9Configuration else { return nil }
            return RecordingTrack(id: fileTrackID, codec: .vp9(vp9Configuration),
                                  timescale: timescale, width: videoSize.width, height: videoSize.height)
        case .av1:
            guard let videoSize, let av1Configuration else { return nil }
            return RecordingTrack(id: fileTrackID, codec: .av1(av1Configuration),
                                  timescale: timescale, width: videoSize.width, height: videoSize.height)
        case .opus:
            return RecordingTrack(id: fileTrackID, codec: .opus(OpusCodecConfiguration(channelCount: info.channels ?? 2)),
                                  timescale: timescale)
        case .aac:
            // RFC 3640 §4.1: `config=` is the AudioSpecificConfig; the RTP clock is the sample rate.
            guard let config = Self.audioSpecificConfig(info.fmtp) else { return nil }
            return RecordingTrack(id: fileTrackID,
                                  codec: .aac(audioSpecificConfig: config.bytes, channels: info.channels ?? config.channelCount,
                                              sampleRate: config.sampleRate),
                                  timescale: timescale)
        case .pcmu, .pcma, .aacLATM:
            return nil
        }
    }

    /// The AudioSpecificConfig in an `mpeg4-generic` fmtp (`config=`, RFC 3640 §4.1), if valid.
    static func audioSpecificConfig(_ fmtp: [String: String]) -> AAC.AudioSpecificConfig? {
        guard let hex = fmtp.first(where: { $0.key.lowercased() == "config" })?.value else { return nil }
        return try? AAC.AudioSpecificConfig(hex: hex)
    }

    /// `vpcC` fields for a VP9 stream (VP-ISOBMFF §2.2): profiles 0/2 are 4:2:0, 1/3 4:4:4 (the
    /// usual case of 4:2:2/4:4:0 aside), profiles 2/3 are taken as 10-bit; the level is the
    /// lowest whose picture size fits (VP9 levels, frame rate not considered).
    static func vp9Configuration(profile: Int, width: Int, height: Int) -> VPCodecConfiguration {
        let levels: [(maxPictureSize: Int, level: UInt8)] = [
            (36_864, 10), (73_728, 11), (122_880, 20), (245_760, 21), (552_960, 30), (983_040, 31),
            (2_228_224, 40), (8_912_896, 50), (35_651_584, 60),
        ]
        let pictureSize = width * height
        let level = levels.first { pictureSize <= $0.maxPictureSize }?.level ?? 62
        return VPCodecConfiguration(profile: UInt8(clamping: profile), level: level, bitDepth: profile >= 2 ? 10 : 8,
                                    chromaSubsampling: profile == 1 || profile == 3 ? 3 : 1)
    }

    /// Frames of one VP9 picture (spatial layers) as one superframe (VP9 Bitstream Specification
    /// Annex B): the frames, then an index of their sizes framed by a marker byte. More than
    /// eight frames cannot be indexed and are only joined.
    static func superframe(_ frames: [[UInt8]]) -> [UInt8] {
        let largest = frames.reduce(0) { max($0, $1.count) }
        guard frames.count <= 8, largest <= Int(UInt32.max) else { return frames.flatMap { $0 } }
        let sizeBytes = largest <= 0xFF ? 1 : largest <= 0xFFFF ? 2 : largest <= 0xFF_FFFF ? 3 : 4
        let marker = 0xC0 | UInt8(sizeBytes - 1) << 3 | UInt8(frames.count - 1)
        var out: [UInt8] = []
        out.reserveCapacity(frames.reduce(2 + sizeBytes * frames.count) { $0 + $1.count })
        for frame in frames { out += frame }
        out.append(marker)
        for frame in frames {
            for byte in 0..<sizeBytes { out.append(UInt8(truncatingIfNeeded: frame.count >> (8 * byte))) }
        }
        out.append(marker)
        return out
    }
}
