/// The `<media>` token of an `m=` line (RFC 8866 §5.14).
public enum MediaKind: Sendable, Hashable, CustomStringConvertible {
    case audio, video, application
    case other(String)

    /// Maps an `m=` token; known tokens are matched exactly (they are lower-case in every RFC).
    public init(token: some StringProtocol) {
        switch token {
        case "audio": self = .audio
        case "video": self = .video
        case "application": self = .application
        default: self = .other(String(token))
        }
    }

    /// The token written on the `m=` line.
    public var token: String {
        switch self {
        case .audio: "audio"
        case .video: "video"
        case .application: "application"
        case .other(let token): token
        }
    }

    public var description: String { token }
}
