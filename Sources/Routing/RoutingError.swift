/// Why a routing call was refused. Descriptions are one line and safe to log: path names are
/// quoted with control characters escaped and long names shortened.
public enum RoutingError: Error, Equatable, CustomStringConvertible {
    case invalidPathName(String, reason: String)
    case pathExists(String)
    case tooManyPaths(limit: Int)
    /// The path already has a publisher.
    case busy(path: String)
    case tooManyReaders(path: String, limit: Int)
    case invalidTracks(path: String, reason: String)
    /// The path was removed from its router.
    case pathClosed(String)

    public var description: String {
        switch self {
        case let .invalidPathName(name, reason):
            "invalid path name \(Self.quoted(name)): \(reason)"
        case let .pathExists(name):
            "path \(Self.quoted(name)) already exists"
        case let .tooManyPaths(limit):
            "too many paths (limit \(limit))"
        case let .busy(name):
            "path \(Self.quoted(name)) already has a publisher"
        case let .tooManyReaders(name, limit):
            "path \(Self.quoted(name)) has too many readers (limit \(limit))"
        case let .invalidTracks(name, reason):
            "invalid tracks for path \(Self.quoted(name)): \(reason)"
        case let .pathClosed(name):
            "path \(Self.quoted(name)) was removed"
        }
    }

    /// Quotes a name for a log line: escapes quotes and control characters, keeps at most 64 characters.
    static func quoted(_ name: String) -> String {
        let limit = 64
        let shown = name.count > limit ? String(name.prefix(limit)) + "…" : name
        var out = "\""
        for scalar in shown.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f:
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
