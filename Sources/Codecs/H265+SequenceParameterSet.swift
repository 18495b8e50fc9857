extension H265 {
    /// The leading fields of an H.265 sequence parameter set (ITU-T H.265 §7.3.2.2.1) up to the
    /// bit depths: what sizes the video and fills the HEVC decoder configuration record.
    public struct SequenceParameterSet: Sendable, Equatable {
        public var maxSubLayersMinus1: Int
        public var temporalIDNesting: Bool
        /// general_profile_space ... general_level_idc (§7.3.3): 12 bytes as sent, the same
        /// layout `hvcC` uses.
        public var generalProfileTierLevel: [UInt8]
        public var chromaFormatIDC: Int
        public var separateColourPlane: Bool
        /// pic_width/height_in_luma_samples: the coded size.
        public var codedWidth: Int
        public var codedHeight: Int
        /// Conformance window offsets in chroma units (conf_win_*_offset).
        public var confWindowLeft: Int
        public var confWindowRight: Int
        public var confWindowTop: Int
        public var confWindowBottom: Int
        public var bitDepthLuma: Int
        public var bitDepthChroma: Int
        /// Displayed size in luma samples: the coded size minus the conformance window.
        public var width: Int
        public var height: Int

        /// Largest accepted coded dimension in luma samples (Level 6.2 allows 16888).
        public static let maxDimension = 16_888

        /// Parses an SPS NAL unit (two-byte header included, emulation prevention still present).
        public init(nalUnit: ArraySlice<UInt8>) throws(CodecParseError) {
            guard nalUnit.count >= 2 else { throw .truncated(field: "nal_unit_header") }
            let type = H265.nalType(nalUnit[nalUnit.startIndex])
            guard type == H265.sps else { throw .invalidValue(field: "nal_unit_type", value: Int(type)) }
            let rbsp = H264.removeEmulationPrevention(nalUnit.dropFirst(2))
            var bits = RBSPBitReader(rbsp)
            _ = try bits.readBits(4, "sps_video_parameter_set_id")
            maxSubLayersMinus1 = Int(try bits.readBits(3, "sps_max_sub_layers_minus1"))
            guard maxSubLayersMinus1 <= 6 else {
                throw .invalidValue(field: "sps_max_sub_layers_minus1", value: maxSubLayersMinus1)
            }
            temporalIDNesting = try bits.readFlag("sps_temporal_id_nesting_flag")
            guard rbsp.count >= 13 else { throw .truncated(field: "profile_tier_level") }
            generalProfileTierLevel = Array(rbsp[1...12])
            _ = try bits.readBits(32, "general_profile_tier_level")
            _ = try bits.readBits(32, "general_profile_tier_level")
            _ = try bits.readBits(32, "general_profile_tier_level")
            try Self.skipSubLayers(&bits, maxSubLayersMinus1: maxSubLayersMinus1)

            let id = try bits.readUE("sps_seq_parameter_set_id")
            guard id <= 15 else { throw .invalidValue(field: "sps_seq_parameter_set_id", value: Int(id)) }
            let chroma = try bits.readUE("chroma_format_idc")
            guard chroma <= 3 else { throw .invalidValue(field: "chroma_format_idc", value: Int(chroma)) }
            chromaFormatIDC = Int(chroma)
            separateColourPlane = chroma == 3 ? try bits.readFlag("separate_colour_plane_flag") : false
            codedWidth = try Self.dimension(&bits, "pic_width_in_luma_samples")
            codedHeight = try Self.dimension(&bits, "pic_height_in_luma_samples")
            (confWindowLeft, confWindowRight, confWindowTop, confWindowBottom) = (0, 0, 0, 0)
            if try bits.readFlag("conformance_window_flag") {
                confWindowLeft = try Self.dimension(&bits, "conf_win_left_offset", allowZero: true)
                confWindowRight = try Self.dimension(&bits, "conf_win_right_offset", allowZero: true)
                confWindowTop = try Self.dimension(&bits, "conf_win_top_offset", allowZero: true)
                confWindowBottom = try Self.dimension(&bits, "conf_win_bottom_offset", allowZero: true)
            }
            let lumaMinus8 = try bits.readUE("bit_depth_luma_minus8")
            let chromaMinus8 = try bits.readUE("bit_depth_chroma_minus8")
            guard lumaMinus8 <= 8 else { throw .invalidValue(field: "bit_depth_luma_minus8", value: Int(lumaMinus8)) }
            guard chromaMinus8 <= 8 else { throw .invalidValue(field: "bit_depth_chroma_minus8", value: Int(chromaMinus8)) }
            bitDepthLuma = Int(lumaMinus8) + 8
            bitDepthChroma = Int(chromaMinus8) + 8

            // SubWidthC/SubHeightC (§6.2 Table 6-1); ChromaArrayType 0 counts in luma samples.
            let arrayType = separateColourPlane ? 0 : chromaFormatIDC
            let subWidth = arrayType == 1 || arrayType == 2 ? 2 : 1
            let subHeight = arrayType == 1 ? 2 : 1
            width = codedWidth - subWidth * (confWindowLeft + confWindowRight)
            height = codedHeight - subHeight * (confWindowTop + confWindowBottom)
            guard width > 0, height > 0 else {
                throw .invalidValue(field: "conformance_window", value: min(width, height))
            }
        }

        /// A ue(v) luma-sample count, capped at `maxDimension`.
        private static func dimension(_ bits: inout RBSPBitReader, _ field: String,
                                      allowZero: Bool = false) throws(CodecParseError) -> Int {
            let value = try bits.readUE(field)
            guard value <= UInt32(maxDimension) else {
                throw .limitExceeded(field: field, value: Int(value), limit: maxDimension)
            }
            guard allowZero || value > 0 else { throw .invalidValue(field: field, value: 0) }
            return Int(value)
        }

        /// The sub-layer part of profile_tier_level (§7.3.3): presence flags, alignment, and the
        /// per-sub-layer profile (88 bits) and level (8 bits) fields, all skipped.
        private static func skipSubLayers(_ bits: inout RBSPBitReader, maxSubLayersMinus1: Int) throws(CodecParseError) {
            var present: [(profile: Bool, level: Bool)] = []
            for _ in 0..<maxSubLayersMinus1 {
                present.append((try bits.readFlag("sub_layer_profile_present_flag"),
                                try bits.readFlag("sub_layer_level_present_flag")))
            }
            if maxSubLayersMinus1 > 0 {
                for _ in maxSubLayersMinus1..<8 { _ = try bits.readBits(2, "reserved_zero_2bits") }
            }
            for layer in present {
                if layer.profile {
                    _ = try bits.readBits(32, "sub_layer_profile")
                    _ = try bits.readBits(32, "sub_layer_profile")
                    _ = try bits.readBits(24, "sub_layer_profile")
                }
                if layer.level { _ = try bits.readBits(8, "sub_layer_level_idc") }
            }
        }
    }
}
