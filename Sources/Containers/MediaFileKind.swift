import Codecs

/// A media file the gateway can play as a source, told by its name: Annex-B H.264
/// (`.h264`, `.264`) or Ogg Opus (`.opus`, `.ogg`).
public enum MediaFileKind: Sendable, Equatable, CaseIterable {
    case annexBH264
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
        case .oggOpus: [".opus", ".ogg"]
        }
    }

    /// The codec in such a file (its registry key).
    public var codec: CodecDescriptor.Format {
        switch self {
        case .annexBH264: .h264
        case .oggOpus: .opus
        }
    }

    /// Video or audio, as the registry has the codec.
    public var kind: CodecKind? { CodecRegistry.descriptor(for: codec)?.kind }
}
