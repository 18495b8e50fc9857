extension VP9 {
    /// The leading fields of a VP9 uncompressed frame header (VP9 Bitstream Specification
    /// §6.2 `uncompressed_header`), up to the frame size of key frames.
    public struct FrameHeader: Sendable, Equatable {
        /// Profile 0...3.
        public var profile: Int
        /// show_existing_frame: the frame only re-shows a decoded one.
        public var showsExistingFrame: Bool
        /// frame_type == KEY_FRAME.
        public var isKeyframe: Bool
        /// intra_only (only for hidden non-key frames).
        public var isIntraOnly: Bool
        public var showFrame: Bool
        /// Frame size of key frames (frame_width_minus_1 + 1, ...), else nil.
        public var width: Int?
        public var height: Int?

        /// Parses the start of a VP9 frame (or of the first frame of a superframe).
        public init(parsing frame: ArraySlice<UInt8>) throws(CodecParseError) {
            var bits = RBSPBitReader(Array(frame.prefix(16)))
            let marker = try bits.readBits(2, "frame_marker")
            guard marker == 2 else { throw .invalidValue(field: "frame_marker", value: Int(marker)) }
            let low = try bits.readBit("profile_low_bit")
            let high = try bits.readBit("profile_high_bit")
            profile = Int(high << 1 | low)
            if profile == 3 { _ = try bits.readBit("reserved_zero") }
            showsExistingFrame = try bits.readFlag("show_existing_frame")
            (isKeyframe, isIntraOnly, showFrame, width, height) = (false, false, true, nil, nil)
            guard !showsExistingFrame else { return }
            isKeyframe = try bits.readBit("frame_type") == 0
            showFrame = try bits.readFlag("show_frame")
            _ = try bits.readBit("error_resilient_mode")
            guard isKeyframe else {
                if !showFrame { isIntraOnly = try bits.readFlag("intra_only") }
                return
            }
            let sync = try bits.readBits(24, "frame_sync_code")
            guard sync == 0x49_83_42 else { throw .invalidValue(field: "frame_sync_code", value: Int(sync)) }
            if profile >= 2 { _ = try bits.readBit("ten_or_twelve_bit") }
            let colorSpace = try bits.readBits(3, "color_space")
            let hasSubsampling = profile == 1 || profile == 3
            if colorSpace != 7 {  // CS_RGB
                _ = try bits.readBit("color_range")
                if hasSubsampling { _ = try bits.readBits(3, "subsampling_x/y, reserved_zero") }
            } else if hasSubsampling {
                _ = try bits.readBit("reserved_zero")
            }
            width = Int(try bits.readBits(16, "frame_width_minus_1")) + 1
            height = Int(try bits.readBits(16, "frame_height_minus_1")) + 1
        }
    }
}
