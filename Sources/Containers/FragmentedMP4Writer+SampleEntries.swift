import Codecs
import RTCBase

/// Sample entries of the `stsd` box: the codec name and its decoder configuration record.
/// H.264 `avc1`/`avcC` and H.265 `hvc1`/`hvcC` (ISO/IEC 14496-15 §5.3.3, §8.3.3), AV1 `av01`/`av1C`
/// (AV1 Codec ISO Media File Format Binding §2.3), VP8/VP9 `vp08`/`vp09` with `vpcC` (VP Codec ISO
/// Media File Format Binding §2.2), Opus `Opus`/`dOps` (Encapsulation of Opus in ISOBMFF §4.3),
/// AAC `mp4a`/`esds` (ISO/IEC 14496-14 §5.6, in `FragmentedMP4Writer+AAC.swift`).
extension FragmentedMP4Writer {
    /// Checks the configuration against the limits and fills in a missing video size from the
    /// H.264 or H.265 SPS.
    static func resolveSize(_ track: inout RecordingTrack, limits: Limits) throws(ContainerError) {
        var configBytes = 0
        func check(_ units: [[UInt8]], _ name: String, min: Int, max: Int) throws(ContainerError) {
            guard units.count >= min, units.count <= max else {
                throw .invalid("MP4 track \(track.id): \(units.count) \(name) (allowed \(min)...\(max))")
            }
            for unit in units {
                guard unit.count >= 2, unit.count <= 0xFFFF else {
                    throw .invalid("MP4 track \(track.id): \(name) of \(unit.count) bytes")
                }
                configBytes += unit.count
            }
        }
        switch track.codec {
        case .h264(let sps, let pps):
            try check(sps, "SPS", min: 1, max: 31)
            try check(pps, "PPS", min: 1, max: 255)
            guard sps[0].count >= 4 else { throw .invalid("MP4 track \(track.id): H.264 SPS of \(sps[0].count) bytes") }
            if track.width == 0 || track.height == 0 {
                do {
                    let parsed = try H264.SequenceParameterSet(nalUnit: sps[0][...])
                    (track.width, track.height) = (parsed.width, parsed.height)
                } catch {
                    throw .invalid("MP4 track \(track.id): H.264 SPS: \(error)")
                }
            }
        case .h265(let vps, let sps, let pps):
            try check(vps, "VPS", min: 1, max: 16)
            try check(sps, "SPS", min: 1, max: 16)
            try check(pps, "PPS", min: 1, max: 64)
            guard H264.removeEmulationPrevention(sps[0].dropFirst(2)).count >= 13 else {
                throw .invalid("MP4 track \(track.id): H.265 SPS of \(sps[0].count) bytes")
            }
            if track.width == 0 || track.height == 0 {
                do {
                    let parsed = try H265.SequenceParameterSet(nalUnit: sps[0][...])
                    (track.width, track.height) = (parsed.width, parsed.height)
                } catch {
                    throw .invalid("MP4 track \(track.id): H.265 SPS: \(error)")
                }
            }
        case .av1(let config):
            configBytes = config.configOBUs.count
        case .vp8, .vp9:
            break
        case .opus(let config):
            try config.validate()
        case .aac(let config, let channels, let sampleRate):
            try validateAAC(config: config, channels: channels, sampleRate: sampleRate, track: track.id)
            configBytes = config.count
        }
        guard configBytes <= limits.maxConfigurationBytes else {
            throw .limitExceeded(field: "MP4 track \(track.id) configuration bytes", value: configBytes,
                                 limit: limits.maxConfigurationBytes)
        }
        if track.kind == .video {
            guard (1...0xFFFF).contains(track.width), (1...0xFFFF).contains(track.height) else {
                throw .invalid("MP4 track \(track.id): video size \(track.width)x\(track.height)")
            }
        }
    }

    static func appendSampleEntry(_ track: RecordingTrack, to out: inout [UInt8]) {
        switch track.codec {
        case .h264(let sps, let pps):
            appendVisualSampleEntry("avc1", track, to: &out) { appendAVCConfiguration(sps: sps, pps: pps, to: &$0) }
        case .h265(let vps, let sps, let pps):
            appendVisualSampleEntry("hvc1", track, to: &out) { appendHEVCConfiguration(vps: vps, sps: sps, pps: pps, to: &$0) }
        case .av1(let config):
            appendVisualSampleEntry("av01", track, to: &out) { appendAV1Configuration(config, to: &$0) }
        case .vp8(let config):
            appendVisualSampleEntry("vp08", track, to: &out) { appendVPConfiguration(config, to: &$0) }
        case .vp9(let config):
            appendVisualSampleEntry("vp09", track, to: &out) { appendVPConfiguration(config, to: &$0) }
        case .opus(let config):
            appendOpusSampleEntry(config, to: &out)
        case .aac(let config, let channels, let sampleRate):
            appendAACSampleEntry(config: config, channels: channels, sampleRate: sampleRate, to: &out)
        }
    }

    /// VisualSampleEntry (§12.1.3): 6 reserved bytes, data_reference_index, sizes, resolution.
    static func appendVisualSampleEntry(_ type: StaticString, _ track: RecordingTrack, to out: inout [UInt8],
                                        configuration: (inout [UInt8]) -> Void) {
        out.appendBox(type) { entry in
            entry.appendZeros(6)
            entry.appendUInt16(1)                    // data_reference_index
            entry.appendZeros(16)                    // pre_defined, reserved, pre_defined[3]
            entry.appendUInt16(UInt16(truncatingIfNeeded: track.width))
            entry.appendUInt16(UInt16(truncatingIfNeeded: track.height))
            entry.appendUInt32(0x0048_0000)          // 72 dpi
            entry.appendUInt32(0x0048_0000)
            entry.appendUInt32(0)                    // reserved
            entry.appendUInt16(1)                    // frame_count
            entry.appendZeros(32)                    // compressorname
            entry.appendUInt16(0x0018)               // depth
            entry.appendUInt16(0xFFFF)               // pre_defined = -1
            configuration(&entry)
        }
    }

    /// AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1), 4-byte NAL lengths.
    static func appendAVCConfiguration(sps: [[UInt8]], pps: [[UInt8]], to out: inout [UInt8]) {
        out.appendBox("avcC") { avcC in
            let first = sps[0]
            avcC += [1, first[1], first[2], first[3]]   // version, profile, compatibility, level
            avcC.append(0xFC | 3)                        // lengthSizeMinusOne
            avcC.append(0xE0 | UInt8(truncatingIfNeeded: sps.count))
            for unit in sps { avcC.appendUInt16(UInt16(truncatingIfNeeded: unit.count)); avcC += unit }
            avcC.append(UInt8(truncatingIfNeeded: pps.count))
            for unit in pps { avcC.appendUInt16(UInt16(truncatingIfNeeded: unit.count)); avcC += unit }
            // High-family profiles carry chroma format and bit depths (§5.3.3.1.2).
            if [100, 110, 122, 144].contains(first[1]), let parsed = try? H264.SequenceParameterSet(nalUnit: first[...]) {
                avcC.append(0xFC | UInt8(truncatingIfNeeded: parsed.chromaFormatIDC))
                avcC.append(0xF8 | UInt8(truncatingIfNeeded: parsed.bitDepthLuma - 8))
                avcC.append(0xF8 | UInt8(truncatingIfNeeded: parsed.bitDepthLuma - 8))
                avcC.append(0)                           // numOfSequenceParameterSetExt
            }
        }
    }

    /// HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1). Profile, tier, level and
    /// constraint flags are copied from the SPS's profile_tier_level (H.265 §7.3.3), chroma format
    /// and bit depths from the SPS when it parses (else 4:2:0 8-bit).
    static func appendHEVCConfiguration(vps: [[UInt8]], sps: [[UInt8]], pps: [[UInt8]], to out: inout [UInt8]) {
        let rbsp = H264.removeEmulationPrevention(sps[0].dropFirst(2))   // checked: at least 13 bytes
        let maxSubLayersMinus1 = (rbsp[0] >> 1) & 0x07
        let temporalIDNesting = rbsp[0] & 0x01
        let parsed = try? H265.SequenceParameterSet(nalUnit: sps[0][...])
        let chromaFormat = UInt8(truncatingIfNeeded: parsed?.chromaFormatIDC ?? 1) & 0x03
        let lumaMinus8 = UInt8(truncatingIfNeeded: (parsed?.bitDepthLuma ?? 8) - 8) & 0x07
        let chromaMinus8 = UInt8(truncatingIfNeeded: (parsed?.bitDepthChroma ?? 8) - 8) & 0x07
        out.appendBox("hvcC") { hvcC in
            hvcC.append(1)
            hvcC += rbsp[1...12]                         // profile/tier, compatibility, constraints, level
            hvcC += [0xF0, 0x00]                         // min_spatial_segmentation_idc
            hvcC.append(0xFC)                            // parallelismType
            hvcC.append(0xFC | chromaFormat)
            hvcC.append(0xF8 | lumaMinus8)
            hvcC.append(0xF8 | chromaMinus8)
            hvcC.appendUInt16(0)                         // avgFrameRate
            hvcC.append((maxSubLayersMinus1 + 1) << 3 | temporalIDNesting << 2 | 3)
            hvcC.append(3)                               // numOfArrays
            for (type, units) in [(H265.vps, vps), (H265.sps, sps), (UInt8(34), pps)] {   // 34 = PPS_NUT
                hvcC.append(0x80 | type)                 // array_completeness = 1
                hvcC.appendUInt16(UInt16(truncatingIfNeeded: units.count))
                for unit in units { hvcC.appendUInt16(UInt16(truncatingIfNeeded: unit.count)); hvcC += unit }
            }
        }
    }

    /// AV1CodecConfigurationRecord (AV1-ISOBMFF §2.3.3).
    static func appendAV1Configuration(_ c: AV1CodecConfiguration, to out: inout [UInt8]) {
        func bit(_ flag: Bool, _ shift: UInt8) -> UInt8 { flag ? 1 << shift : 0 }
        out.appendBox("av1C") { av1C in
            av1C.append(0x81)                            // marker, version 1
            av1C.append((c.seqProfile & 0x07) << 5 | (c.seqLevelIndex0 & 0x1F))
            av1C.append((c.seqTier0 & 1) << 7 | bit(c.highBitdepth, 6) | bit(c.twelveBit, 5) | bit(c.monochrome, 4)
                        | bit(c.chromaSubsamplingX, 3) | bit(c.chromaSubsamplingY, 2) | (c.chromaSamplePosition & 0x03))
            av1C.append(0)                               // no initial_presentation_delay
            av1C += c.configOBUs
        }
    }

    /// VPCodecConfigurationBox (VP-ISOBMFF §2.2), version 1, no initialization data.
    static func appendVPConfiguration(_ c: VPCodecConfiguration, to out: inout [UInt8]) {
        out.appendFullBox("vpcC", version: 1, flags: 0) { vpcC in
            vpcC += [c.profile, c.level, (c.bitDepth & 0x0F) << 4 | (c.chromaSubsampling & 0x07) << 1 | (c.videoFullRange ? 1 : 0),
                     c.colourPrimaries, c.transferCharacteristics, c.matrixCoefficients]
            vpcC.appendUInt16(0)
        }
    }

    /// AudioSampleEntry `Opus` (Opus-ISOBMFF §4.3.1) with its `dOps` box (§4.3.2), big-endian
    /// unlike the Ogg OpusHead.
    static func appendOpusSampleEntry(_ c: OpusCodecConfiguration, to out: inout [UInt8]) {
        out.appendBox("Opus") { entry in
            entry.appendZeros(6)
            entry.appendUInt16(1)                        // data_reference_index
            entry.appendZeros(8)                         // reserved
            entry.appendUInt16(UInt16(truncatingIfNeeded: c.channelCount))
            entry.appendUInt16(16)                       // samplesize
            entry.appendUInt32(0)                        // pre_defined, reserved
            entry.appendUInt32(48_000 << 16)             // samplerate 16.16
            entry.appendBox("dOps") { dOps in
                dOps.append(0)                           // Version
                dOps.append(UInt8(truncatingIfNeeded: c.channelCount))
                dOps.appendUInt16(c.preSkip)
                dOps.appendUInt32(c.inputSampleRate)
                dOps.appendUInt16(UInt16(bitPattern: c.outputGain))
                dOps.append(c.mappingFamily)
                if c.mappingFamily != 0 {
                    dOps.append(UInt8(truncatingIfNeeded: c.streamCount))
                    dOps.append(UInt8(truncatingIfNeeded: c.coupledStreamCount))
                    dOps += c.channelMapping
                }
            }
        }
    }
}
