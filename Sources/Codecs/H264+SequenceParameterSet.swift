extension H264 {
    /// The fields of a sequence parameter set needed to size video (ITU-T H.264 §7.3.2.1.1),
    /// for Baseline, Main, High and the other High-family profiles, with frame cropping.
    public struct SequenceParameterSet: Sendable, Equatable {
        public var profileIDC: UInt8
        /// constraint_set0..5 flags and the two reserved bits, as sent.
        public var constraintFlags: UInt8
        public var levelIDC: UInt8
        public var id: UInt32
        public var chromaFormatIDC: UInt32
        public var bitDepthLuma: Int
        public var picWidthInMBs: Int
        /// Height of the frame in macroblocks (already doubled for field coding).
        public var frameHeightInMBs: Int
        public var frameMBsOnly: Bool
        public var cropLeft: Int
        public var cropRight: Int
        public var cropTop: Int
        public var cropBottom: Int
        /// Displayed size in luma samples, after cropping.
        public var width: Int
        public var height: Int

        /// Largest accepted picture dimension in macroblocks (1024 MBs = 16384 samples).
        public static let maxDimensionInMBs = 1024

        /// Parses an SPS NAL unit (header byte included, emulation prevention still present).
        public init(nalUnit: ArraySlice<UInt8>) throws(CodecParseError) {
            guard let header = nalUnit.first else { throw .truncated(field: "nal_unit_header") }
            guard H264.nalType(header) == NALType.sps else {
                throw .invalidValue(field: "nal_unit_type", value: Int(H264.nalType(header)))
            }
            var bits = RBSPBitReader(H264.removeEmulationPrevention(nalUnit.dropFirst()))
            profileIDC = UInt8(truncatingIfNeeded: try bits.readBits(8, "profile_idc"))
            constraintFlags = UInt8(truncatingIfNeeded: try bits.readBits(8, "constraint_set_flags"))
            levelIDC = UInt8(truncatingIfNeeded: try bits.readBits(8, "level_idc"))
            id = try bits.readUE("seq_parameter_set_id")
            guard id <= 31 else { throw .invalidValue(field: "seq_parameter_set_id", value: Int(id)) }

            chromaFormatIDC = 1
            bitDepthLuma = 8
            var separateColourPlane = false
            if Self.highFamilyProfiles.contains(profileIDC) {
                chromaFormatIDC = try bits.readUE("chroma_format_idc")
                guard chromaFormatIDC <= 3 else {
                    throw .invalidValue(field: "chroma_format_idc", value: Int(chromaFormatIDC))
                }
                if chromaFormatIDC == 3 { separateColourPlane = try bits.readFlag("separate_colour_plane_flag") }
                let lumaMinus8 = try bits.readUE("bit_depth_luma_minus8")
                guard lumaMinus8 <= 6 else { throw .invalidValue(field: "bit_depth_luma_minus8", value: Int(lumaMinus8)) }
                bitDepthLuma = Int(lumaMinus8) + 8
                _ = try bits.readUE("bit_depth_chroma_minus8")
                _ = try bits.readFlag("qpprime_y_zero_transform_bypass_flag")
                if try bits.readFlag("seq_scaling_matrix_present_flag") {
                    let listCount = chromaFormatIDC == 3 ? 12 : 8
                    for list in 0..<listCount where try bits.readFlag("seq_scaling_list_present_flag") {
                        try Self.skipScalingList(&bits, size: list < 6 ? 16 : 64)
                    }
                }
            }

            _ = try bits.readUE("log2_max_frame_num_minus4")
            let pocType = try bits.readUE("pic_order_cnt_type")
            switch pocType {
            case 0:
                _ = try bits.readUE("log2_max_pic_order_cnt_lsb_minus4")
            case 1:
                _ = try bits.readFlag("delta_pic_order_always_zero_flag")
                _ = try bits.readSE("offset_for_non_ref_pic")
                _ = try bits.readSE("offset_for_top_to_bottom_field")
                let cycle = try bits.readUE("num_ref_frames_in_pic_order_cnt_cycle")
                guard cycle <= 255 else {
                    throw .invalidValue(field: "num_ref_frames_in_pic_order_cnt_cycle", value: Int(cycle))
                }
                for _ in 0..<cycle { _ = try bits.readSE("offset_for_ref_frame") }
            case 2:
                break
            default:
                throw .invalidValue(field: "pic_order_cnt_type", value: Int(pocType))
            }
            _ = try bits.readUE("max_num_ref_frames")
            _ = try bits.readFlag("gaps_in_frame_num_value_allowed_flag")
            let widthMinus1 = try bits.readUE("pic_width_in_mbs_minus1")
            let heightMinus1 = try bits.readUE("pic_height_in_map_units_minus1")
            frameMBsOnly = try bits.readFlag("frame_mbs_only_flag")
            if !frameMBsOnly { _ = try bits.readFlag("mb_adaptive_frame_field_flag") }
            _ = try bits.readFlag("direct_8x8_inference_flag")

            let limit = Self.maxDimensionInMBs
            guard widthMinus1 < limit else {
                throw .limitExceeded(field: "pic_width_in_mbs", value: Int(widthMinus1) + 1, limit: limit)
            }
            guard heightMinus1 < limit else {
                throw .limitExceeded(field: "pic_height_in_map_units", value: Int(heightMinus1) + 1, limit: limit)
            }
            picWidthInMBs = Int(widthMinus1) + 1
            frameHeightInMBs = (frameMBsOnly ? 1 : 2) * (Int(heightMinus1) + 1)

            (cropLeft, cropRight, cropTop, cropBottom) = (0, 0, 0, 0)
            if try bits.readFlag("frame_cropping_flag") {
                // Each offset is capped by the frame size below, so keep them in Int range first.
                func offset(_ field: String) throws(CodecParseError) -> Int {
                    let value = try bits.readUE(field)
                    guard value <= UInt32(limit * 16) else {
                        throw .limitExceeded(field: field, value: Int(value), limit: limit * 16)
                    }
                    return Int(value)
                }
                cropLeft = try offset("frame_crop_left_offset")
                cropRight = try offset("frame_crop_right_offset")
                cropTop = try offset("frame_crop_top_offset")
                cropBottom = try offset("frame_crop_bottom_offset")
            }

            // Crop units, §7.4.2.1.1 (Table 6-1 for SubWidthC / SubHeightC).
            let arrayType = separateColourPlane ? 0 : chromaFormatIDC
            let (subWidth, subHeight): (Int, Int) = switch arrayType {
            case 1: (2, 2)
            case 2: (2, 1)
            default: (1, 1)
            }
            let cropUnitX = arrayType == 0 ? 1 : subWidth
            let cropUnitY = (arrayType == 0 ? 1 : subHeight) * (frameMBsOnly ? 1 : 2)
            let fullWidth = picWidthInMBs * 16
            let fullHeight = frameHeightInMBs * 16
            width = fullWidth - cropUnitX * (cropLeft + cropRight)
            height = fullHeight - cropUnitY * (cropTop + cropBottom)
            guard width > 0, height > 0 else {
                throw .invalidValue(field: "frame_cropping", value: min(width, height))
            }
        }

        /// profile_idc values whose SPS carries chroma format and scaling lists (§7.3.2.1.1).
        static let highFamilyProfiles: Set<UInt8> = [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]

        /// scaling_list() syntax, §7.3.2.1.1.1: only consumed, values are not needed.
        private static func skipScalingList(_ bits: inout RBSPBitReader, size: Int) throws(CodecParseError) {
            var lastScale: Int32 = 8
            var nextScale: Int32 = 8
            for _ in 0..<size {
                if nextScale != 0 {
                    let delta = try bits.readSE("delta_scale")
                    guard delta >= -128, delta <= 127 else { throw .invalidValue(field: "delta_scale", value: Int(delta)) }
                    nextScale = (lastScale + delta + 256) % 256
                }
                lastScale = nextScale == 0 ? lastScale : nextScale
            }
        }
    }
}
