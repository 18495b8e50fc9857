import Codecs

/// The bytes of each sample and the MP4 sample entry, per codec, and the configuration records
/// they are built from.
extension ContainerTrack {
    /// The bytes of one sample: length-prefixed NAL units for H.264/H.265 (H.265 in MP4 without
    /// the parameter sets its `hvcC` already holds, ISO/IEC 14496-15 §8.4.1), AV1 temporal units
    /// without temporal delimiters in MP4 (AV1-ISOBMFF §2.4), VP9 spatial layers joined into a
    /// superframe, the frame or packet otherwise.
    public func sampleData(_ unit: AccessUnit) -> [UInt8] {
        switch codec.format {
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

    /// The MP4 track description with file track `id`, or nil while its configuration is unknown.
    public func recordingTrack(id: UInt32) -> RecordingTrack? {
        let timescale = UInt32(clamping: clockRate)
        switch codec.format {
        case .h264:
            guard let sps = parameterSets[H264.NALType.sps], let pps = parameterSets[H264.NALType.pps] else { return nil }
            return RecordingTrack(id: id, codec: .h264(sequenceParameterSets: [sps], pictureParameterSets: [pps]),
                                  timescale: timescale)
        case .h265:
            guard let vps = parameterSets[H265.vps], let sps = parameterSets[H265.sps], let pps = parameterSets[H265.pps],
                  let parsed = try? H265.SequenceParameterSet(nalUnit: sps[...]) else { return nil }
            return RecordingTrack(id: id,
                                  codec: .h265(videoParameterSets: [vps], sequenceParameterSets: [sps], pictureParameterSets: [pps]),
                                  timescale: timescale, width: parsed.width, height: parsed.height)
        case .vp8:
            guard let videoSize else { return nil }
            return RecordingTrack(id: id, codec: .vp8(VPCodecConfiguration(level: 10)),
                                  timescale: timescale, width: videoSize.width, height: videoSize.height)
        case .vp9:
            guard let videoSize, let vp9Configuration else { return nil }
            return RecordingTrack(id: id, codec: .vp9(vp9Configuration),
                                  timescale: timescale, width: videoSize.width, height: videoSize.height)
        case .av1:
            guard let videoSize, let av1Configuration else { return nil }
            return RecordingTrack(id: id, codec: .av1(av1Configuration),
                                  timescale: timescale, width: videoSize.width, height: videoSize.height)
        case .opus:
            return RecordingTrack(id: id, codec: .opus(opusConfiguration), timescale: timescale)
        case .aac:
            // RFC 3640 §4.1: `config=` is the AudioSpecificConfig; the RTP clock is the sample rate.
            guard let config = audioSpecificConfig else { return nil }
            return RecordingTrack(id: id,
                                  codec: .aac(audioSpecificConfig: config.bytes, channels: channels ?? config.channelCount,
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
