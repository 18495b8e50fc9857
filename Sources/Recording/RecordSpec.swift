import Containers
import Foundation
import Routing

/// The container a recording is written in (mp4, ivf, ogg); which codecs each carries is
/// `ContainerFormat.carries`.
public typealias RecordingFormat = ContainerFormat

/// Where and how a path is recorded: `DIR` or `DIR,format=mp4|ivf|ogg,segment=60s`.
/// Segment durations accept `s`, `m` and `h` suffixes (bare numbers are seconds), 1 s to 24 h.
public struct RecordSpec: Sendable, Equatable, CustomStringConvertible {
    /// The recording root; each path records into `<directory>/<path name>/`.
    public var directory: String
    public var format: RecordingFormat
    public var segmentDuration: Duration

    public static let defaultSegmentDuration = Duration.seconds(60)

    public init(directory: String, format: RecordingFormat = .mp4, segmentDuration: Duration = defaultSegmentDuration) {
        self.directory = directory
        self.format = format
        self.segmentDuration = segmentDuration
    }

    public init(parsing text: String) throws {
        func fail(_ reason: String) -> SourceError {
            .unusable("--record '\(text)': \(reason); expected DIR[,format=mp4|ivf|ogg][,segment=60s]")
        }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard let directory = parts.first, !directory.isEmpty else { throw fail("missing DIR") }
        guard !directory.utf8.contains(0) else { throw fail("DIR contains a NUL byte") }
        self.init(directory: directory)
        var seen: Set<String> = []
        for option in parts.dropFirst() {
            guard let equals = option.firstIndex(of: "=") else { throw fail("option '\(option)' has no value") }
            let key = option[..<equals].lowercased()
            let value = String(option[option.index(after: equals)...]).lowercased()
            guard seen.insert(key).inserted else { throw fail("option '\(key)' given twice") }
            switch key {
            case "format":
                guard let format = RecordingFormat(rawValue: value) else { throw fail("unknown format '\(value)'") }
                self.format = format
            case "segment":
                guard let duration = Self.parseDuration(value) else {
                    throw fail("segment '\(value)' must be a duration from 1s to 24h (e.g. 30s, 5m, 1h)")
                }
                segmentDuration = duration
            default:
                throw fail("unknown option '\(key)'")
            }
        }
    }

    /// "90", "90s", "5m", "1h" → a duration within 1 s ... 24 h.
    static func parseDuration(_ text: String) -> Duration? {
        var digits = Substring(text)
        var unit: Int64 = 1
        if let last = digits.last, !last.isNumber {
            switch last {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            default: return nil
            }
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.count <= 6, digits.allSatisfy(\.isASCII), let value = Int64(digits) else { return nil }
        let seconds = value * unit
        guard (1...86_400).contains(seconds) else { return nil }
        return .seconds(seconds)
    }

    public var description: String {
        "\(directory) (\(format.rawValue), segments of \(segmentDuration.components.seconds) s)"
    }
}
