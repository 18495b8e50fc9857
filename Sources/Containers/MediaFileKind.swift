import Codecs

/// A media file the gateway can play as a source, told by its name: Annex-B H.264 (`.h264`,
/// `.264`) or H.265 (`.h265`, `.265`, `.hevc`), IVF (`.ivf`: VP8, VP9 or AV1), MP4 (`.mp4`,
/// `.m4v`, `.mov`: video and/or audio tracks) or Ogg Opus (`.opus`, `.ogg`).
public enum MediaFileKind: Sendable, Equatable, CaseIterable {
    case annexBH264
    case annexBH265
    case ivf
    case mp4
    case oggOpus

    /// The kind a file path names by its suffix (case-sensitive, as on the command line), nil for others.
    public init?(path: String) {
        guard let kind = Self.allCases.first(where: { kind in kind.suffixes.contains { path.hasSuffix($0) } }) else {
            return nil
        }
        self = kind
    }

    /// File name suffixes of this kind.
    public var suffixes: [String] {
        switch self {
        case .annexBH264: [".h264", ".264"]
        case .annexBH265: [".h265", ".265", ".hevc"]
        case .ivf: [".ivf"]
        case .mp4: [".mp4", ".m4v", ".mov"]
        case .oggOpus: [".opus", ".ogg"]
        }
    }

    /// The codec in such a file (its registry key); nil when the file's header names it (IVF, MP4).
    public var codec: CodecDescriptor.Format? {
        switch self {
        case .annexBH264: .h264
        case .annexBH265: .h265
        case .oggOpus: .opus
        case .ivf, .mp4: nil
        }
    }

    /// Video or audio; nil for MP4, which may hold both.
    public var kind: CodecKind? {
        switch self {
        case .annexBH264, .annexBH265, .ivf: .video
        case .oggOpus: .audio
        case .mp4: nil
        }
    }
}
