import Foundation
import Recording

/// `rtcbridge bridge SOURCE TARGET…` (issue #10, item 3): one path named `bridge` whose source is
/// SOURCE (anything `--path` accepts) and whose targets are WHIP pushes (whip://, whips://), plain
/// RTP forwards (rtp://) or recordings into one file (.mp4, .ivf, .ogg). Only parsing and checks
/// here; `serveOptions()` turns it into the options `serve` resolves, so one path of the Gateway
/// carries it all.
public struct BridgeArguments: Sendable, Equatable {
    public enum Target: Sendable, Equatable, CustomStringConvertible {
        /// A whip:// or whips:// URL (the token, if any, stays in it: print `description`).
        case whip(String)
        /// rtp://HOST:PORT, as `--forward`.
        case rtp(String)
        /// A recording written to exactly this file.
        case file(path: String, format: RecordingFormat)

        public var description: String {
            switch self {
            case .whip(let url): BridgeArguments.redacted(url)
            case .rtp(let url): url
            case .file(let path, _): path
            }
        }
    }

    /// The one path every bridge uses.
    public static let pathName = "bridge"
    /// At most this many targets.
    public static let maxTargets = 16

    public var source: String
    public var targets: [Target]

    public init(source: String, targets: [String]) throws {
        guard !source.isEmpty else { throw BridgeArgumentError("no SOURCE given") }
        guard !targets.isEmpty else { throw BridgeArgumentError("no TARGET given: add whip://…, rtp://HOST:PORT or a file (.mp4, .ivf, .ogg)") }
        guard targets.count <= Self.maxTargets else { throw BridgeArgumentError("\(targets.count) targets: at most \(Self.maxTargets)") }
        self.source = source
        self.targets = try targets.map(Self.target(parsing:))
        var files: Set<String> = []
        for case .file(let path, _) in self.targets {
            let key = URL(fileURLWithPath: path).standardizedFileURL.path
            guard files.insert(key).inserted else { throw BridgeArgumentError("file \(path) given twice") }
        }
    }

    static func target(parsing text: String) throws -> Target {
        guard !text.isEmpty else { throw BridgeArgumentError("empty TARGET") }
        if let range = text.range(of: "://") {
            let scheme = text[..<range.lowerBound].lowercased()
            switch scheme {
            case "whip", "whips": return .whip(text)
            case "rtp": return .rtp(text)
            case "rtsp", "rtsps":
                throw BridgeArgumentError("\(scheme):// as a TARGET (RTSP ANNOUNCE/RECORD push) is not supported; "
                    + "to serve the stream over RTSP run `rtcbridge serve --path NAME=SOURCE` and read rtsp://HOST:8554/NAME")
            case "whep", "wheps":
                throw BridgeArgumentError("\(scheme):// pulls, it is a SOURCE; push with whip:// or whips://")
            default:
                let shown = scheme.count <= 16 && scheme.allSatisfy { $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }
                    ? "'\(scheme)://'" : "this URL scheme"
                throw BridgeArgumentError("unknown TARGET scheme \(shown): use whip://, whips://, rtp:// or a file (.mp4, .ivf, .ogg)")
            }
        }
        guard !text.utf8.contains(0) else { throw BridgeArgumentError("TARGET contains a NUL byte") }
        let ext = (text as NSString).pathExtension.lowercased()
        guard let format = RecordingFormat(rawValue: ext) else {
            throw BridgeArgumentError("TARGET \(text): a file must end in .mp4, .ivf or .ogg")
        }
        return .file(path: text, format: format)
    }

    /// Each file target's directory exists and can be written (the recording would fail later).
    public func checkFiles(fileManager: FileManager = .default) throws {
        for case .file(let path, _) in targets {
            let directory = Self.directory(of: path)
            var isDirectory: ObjCBool = false
            guard fileManager.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw BridgeArgumentError("cannot write \(path): directory \(directory) does not exist")
            }
            guard fileManager.isWritableFile(atPath: directory) else {
                throw BridgeArgumentError("cannot write \(path): directory \(directory) is not writable")
            }
            if fileManager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw BridgeArgumentError("cannot write \(path): it is a directory")
            }
        }
    }

    /// The options `serve` would be given: the path, its forwards and recordings. A file target
    /// records into `stagingDirectory(for:)` (one segment a day) and `BridgeRecordingFiles`
    /// moves the segment to the file when the bridge ends.
    public func serveOptions() -> ServeOptions {
        var options = ServeOptions()
        options.paths = ["\(Self.pathName)=\(source)"]
        for target in targets {
            switch target {
            case .whip(let url), .rtp(let url): options.forwards.append("\(Self.pathName)=\(url)")
            case .file(let path, let format):
                options.records.append("\(Self.pathName)=\(Self.stagingDirectory(for: path)),format=\(format.rawValue),segment=24h")
            }
        }
        options.rtsp = "off"
        options.webRTCUDPPort = 0
        return options
    }

    public var files: [(path: String, format: RecordingFormat)] {
        targets.compactMap { if case .file(let path, let format) = $0 { (path, format) } else { nil } }
    }

    /// Where a file target's recording is written while the bridge runs: a hidden directory
    /// next to the file.
    public static func stagingDirectory(for path: String) -> String {
        let name = (path as NSString).lastPathComponent
        return (directory(of: path) as NSString).appendingPathComponent(".\(name).rtcbridge")
    }

    static func directory(of path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        return directory.isEmpty ? "." : directory
    }

    /// A whip(s) URL without its query (which may hold the token).
    static func redacted(_ url: String) -> String {
        guard let query = url.firstIndex(of: "?") else { return url }
        return url[..<query] + "?<redacted>"
    }
}

public struct BridgeArgumentError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
