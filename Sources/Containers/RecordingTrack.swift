import Codecs

/// One track of a recording: codec and configuration, the timescale its sample durations count
/// in (90000 for video, 48000 for Opus), and the display size for video.
public struct RecordingTrack: Sendable, Equatable {
    /// Track identifier, unique and non-zero (ISO/IEC 14496-12 §8.3.2.3 `track_ID`).
    public var id: UInt32
    public var codec: RecordingCodec
    /// Ticks per second of sample durations and decode times.
    public var timescale: UInt32
    /// Display size in pixels; 0 means "take it from the codec configuration" (H.264 or H.265 SPS).
    public var width: Int
    public var height: Int

    public init(id: UInt32, codec: RecordingCodec, timescale: UInt32, width: Int = 0, height: Int = 0) {
        self.id = id
        self.codec = codec
        self.timescale = timescale
        self.width = width
        self.height = height
    }

    public var kind: CodecKind { codec.isAudio ? .audio : .video }
}
