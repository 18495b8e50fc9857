import Codecs

/// A container the gateway writes media into, and which of the registry's codecs it carries here.
public enum ContainerFormat: String, Sendable, Equatable, CaseIterable {
    /// Fragmented MP4 (ISO/IEC 14496-12): H.264, H.265, VP8, VP9 or AV1 video; Opus or AAC audio.
    case mp4
    /// IVF: VP8, VP9 or AV1 video only.
    case ivf
    /// Ogg Opus (RFC 7845): audio only.
    case ogg

    public var fileExtension: String { rawValue }

    /// Whether this container carries `codec` (AAC as `mpeg4-generic`; MP4A-LATM, G.711 nowhere).
    public func carries(_ codec: CodecDescriptor.Format) -> Bool {
        switch self {
        case .mp4: [.h264, .h265, .vp8, .vp9, .av1, .opus, .aac].contains(codec)
        case .ivf: Self.ivfFourCC(codec) != nil
        case .ogg: codec == .opus
        }
    }

    /// The IVF FourCC of a codec IVF carries (VP8, VP9, AV1), nil otherwise.
    public static func ivfFourCC(_ codec: CodecDescriptor.Format) -> String? {
        switch codec {
        case .vp8: "VP80"
        case .vp9: "VP90"
        case .av1: "AV01"
        default: nil
        }
    }
}
