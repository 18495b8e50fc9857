extension AV1 {
    /// The fields of a sequence header OBU (AV1 specification §5.5) that size the video and fill
    /// the AV1 codec configuration record (AV1-ISOBMFF §2.3.3): profile, first operating point's
    /// level and tier, maximum frame size and the color configuration (§5.5.2).
    public struct SequenceHeader: Sendable, Equatable {
        public var profile: UInt8
        public var stillPicture: Bool
        public var reducedStillPictureHeader: Bool
        /// seq_level_idx[0] and seq_tier[0].
        public var levelIndex0: UInt8
        public var tier0: UInt8
        /// max_frame_width_minus_1 + 1, max_frame_height_minus_1 + 1.
        public var maxFrameWidth: Int
        public var maxFrameHeight: Int
        public var highBitdepth: Bool
        public var twelveBit: Bool
        public var monochrome: Bool
        public var subsamplingX: Bool
        public var subsamplingY: Bool
        /// chroma_sample_position (0 = unknown).
        public var chromaSamplePosition: UInt8

        /// Largest sequence header payload parsed (32 operating points with every option take
        /// about 400 bytes).
        public static let maxPayloadBytes = 1024

        /// Parses the payload of a sequence header OBU (after the OBU header and obu_size).
        public init(payload: ArraySlice<UInt8>) throws(CodecParseError) {
            guard payload.count <= Self.maxPayloadBytes else {
                throw .limitExceeded(field: "sequence_header_obu size", value: payload.count, limit: Self.maxPayloadBytes)
            }
            var bits = RBSPBitReader(Array(payload))
            profile = UInt8(truncatingIfNeeded: try bits.readBits(3, "seq_profile"))
            guard profile <= 2 else { throw .invalidValue(field: "seq_profile", value: Int(profile)) }
            stillPicture = try bits.readFlag("still_picture")
            reducedStillPictureHeader = try bits.readFlag("reduced_still_picture_header")
            tier0 = 0
            var decoderModelInfoPresent = false
            var bufferDelayLength = 0
            if reducedStillPictureHeader {
                levelIndex0 = UInt8(truncatingIfNeeded: try bits.readBits(5, "seq_level_idx"))
            } else {
                if try bits.readFlag("timing_info_present_flag") {
                    _ = try bits.readBits(32, "num_units_in_display_tick")
                    _ = try bits.readBits(32, "time_scale")
                    if try bits.readFlag("equal_picture_interval") { try Self.skipUVLC(&bits) }
                    decoderModelInfoPresent = try bits.readFlag("decoder_model_info_present_flag")
                    if decoderModelInfoPresent {
                        bufferDelayLength = Int(try bits.readBits(5, "buffer_delay_length_minus_1")) + 1
                        _ = try bits.readBits(32, "num_units_in_decoding_tick")
                        _ = try bits.readBits(10, "buffer_removal_time_length_minus_1, frame_presentation_time_length_minus_1")
                    }
                }
                let initialDisplayDelayPresent = try bits.readFlag("initial_display_delay_present_flag")
                let operatingPoints = Int(try bits.readBits(5, "operating_points_cnt_minus_1")) + 1
                levelIndex0 = 0
                for point in 0..<operatingPoints {
                    _ = try bits.readBits(12, "operating_point_idc")
                    let level = UInt8(truncatingIfNeeded: try bits.readBits(5, "seq_level_idx"))
                    let tier = level > 7 ? UInt8(truncatingIfNeeded: try bits.readBit("seq_tier")) : 0
                    if point == 0 { (levelIndex0, tier0) = (level, tier) }
                    if decoderModelInfoPresent, try bits.readFlag("decoder_model_present_for_this_op") {
                        _ = try bits.readBits(bufferDelayLength, "decoder_buffer_delay")
                        _ = try bits.readBits(bufferDelayLength, "encoder_buffer_delay")
                        _ = try bits.readBit("low_delay_mode_flag")
                    }
                    if initialDisplayDelayPresent, try bits.readFlag("initial_display_delay_present_for_this_op") {
                        _ = try bits.readBits(4, "initial_display_delay_minus_1")
                    }
                }
            }
            let widthBits = Int(try bits.readBits(4, "frame_width_bits_minus_1")) + 1
            let heightBits = Int(try bits.readBits(4, "frame_height_bits_minus_1")) + 1
            maxFrameWidth = Int(try bits.readBits(widthBits, "max_frame_width_minus_1")) + 1
            maxFrameHeight = Int(try bits.readBits(heightBits, "max_frame_height_minus_1")) + 1

            var enableOrderHint = false
            if !reducedStillPictureHeader, try bits.readFlag("frame_id_numbers_present_flag") {
                _ = try bits.readBits(7, "delta_frame_id_length_minus_2, additional_frame_id_length_minus_1")
            }
            _ = try bits.readBits(3, "use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter")
            if !reducedStillPictureHeader {
                _ = try bits.readBits(4, "enable_interintra_compound ... enable_dual_filter")
                enableOrderHint = try bits.readFlag("enable_order_hint")
                if enableOrderHint { _ = try bits.readBits(2, "enable_jnt_comp, enable_ref_frame_mvs") }
                let forceScreenContentTools = try bits.readFlag("seq_choose_screen_content_tools")
                    ? 2 : try bits.readBit("seq_force_screen_content_tools")
                if forceScreenContentTools > 0, !(try bits.readFlag("seq_choose_integer_mv")) {
                    _ = try bits.readBit("seq_force_integer_mv")
                }
                if enableOrderHint { _ = try bits.readBits(3, "order_hint_bits_minus_1") }
            }
            _ = try bits.readBits(3, "enable_superres, enable_cdef, enable_restoration")

            // color_config, §5.5.2.
            highBitdepth = try bits.readFlag("high_bitdepth")
            twelveBit = profile == 2 && highBitdepth ? try bits.readFlag("twelve_bit") : false
            monochrome = profile == 1 ? false : try bits.readFlag("mono_chrome")
            var (primaries, transfer, matrix): (UInt32, UInt32, UInt32) = (2, 2, 2)
            if try bits.readFlag("color_description_present_flag") {
                primaries = try bits.readBits(8, "color_primaries")
                transfer = try bits.readBits(8, "transfer_characteristics")
                matrix = try bits.readBits(8, "matrix_coefficients")
            }
            chromaSamplePosition = 0
            if monochrome {
                (subsamplingX, subsamplingY) = (true, true)
                return
            }
            if primaries == 1, transfer == 13, matrix == 0 {   // BT.709 primaries, sRGB, identity
                (subsamplingX, subsamplingY) = (false, false)
                return
            }
            _ = try bits.readBit("color_range")
            switch profile {
            case 0: (subsamplingX, subsamplingY) = (true, true)
            case 1: (subsamplingX, subsamplingY) = (false, false)
            default:
                if twelveBit {
                    subsamplingX = try bits.readFlag("subsampling_x")
                    subsamplingY = subsamplingX ? try bits.readFlag("subsampling_y") : false
                } else {
                    (subsamplingX, subsamplingY) = (true, false)
                }
            }
            if subsamplingX && subsamplingY {
                chromaSamplePosition = UInt8(truncatingIfNeeded: try bits.readBits(2, "chroma_sample_position"))
            }
        }

        /// uvlc() (§4.10.3): leading zeros, then that many value bits; 32 or more zeros mean
        /// the maximum value and no further bits.
        private static func skipUVLC(_ bits: inout RBSPBitReader) throws(CodecParseError) {
            var leadingZeros = 0
            while try bits.readBit("num_ticks_per_picture_minus_1") == 0 {
                leadingZeros += 1
                guard leadingZeros <= 64 else {
                    throw .invalidValue(field: "num_ticks_per_picture_minus_1 leading zeros", value: leadingZeros)
                }
            }
            if leadingZeros < 32 { _ = try bits.readBits(leadingZeros, "num_ticks_per_picture_minus_1") }
        }
    }
}
