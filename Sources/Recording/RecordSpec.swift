import Containers
import Foundation
import Routing

/// The container a recording is written in (mp4, ivf, ogg); which codecs each carries is
/// `ContainerFormat.carries`.
public typealias RecordingFormat = ContainerFormat

/// Where and how a path is recorded: `DIR` or `DIR,format=mp4|ivf|ogg,segment=60s,maxBytes=10G,retain=7d`.
/// Segment durations accept `s`, `m` and `h` suffixes (bare numbers are seconds), 1 s to 24 h.
/// `maxBytes` (per path directory) accepts `K`, `M`, `G`, `T` suffixes (powers of 1024; bare
/// numbers are bytes), 1 MiB to 1 PiB; `retain` accepts `s`, `m`, `h`, `d`, 1 minute to 3650 days.
public struct RecordSpec: Sendable, Equatable, CustomStringConvertible {
    /// The recording root; each path records into `<directory>/<path name>/`.
    public var directory: String
    public var format: RecordingFormat
    public var segmentDuration: Duration
    /// The oldest finished segments are deleted while the path's segments take more than this.
    public var maxBytes: Int64?
    /// Finished segments older than this are deleted.
    public var retain: Duration?

    public static let defaultSegmentDuration = Duration.seconds(60)
    /// The range `maxBytes` may take (1 MiB ... 1 PiB).
    public static let maxBytesRange: ClosedRange<Int64> = (1 << 20)...(1 << 50)
    /// The range `retain` may take in seconds (1 minute ... 3650 days).
    public static let retainSecondsRange: ClosedRange<Int64> = 60...(3650 * 86_400)

    public init(directory: String, format: RecordingFormat = .mp4, segmentDuration: Duration = defaultSegmentDuration,
                maxBytes: Int64? = nil, retain: Duration? = nil) {
        self.directory = directory
        self.format = format
        self.segmentDuration = segmentDuration
        self.maxBytes = maxBytes
        self.retain = retain
    }

    public init(parsing text: String) throws {
        func fail(_ reason: String) -> SourceError {
            .unusable("--record '\(text)': \(reason); expected DIR[,format=mp4|ivf|ogg][,segment=60s][,maxBytes=10G][,retain=7d]")
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
            case "maxbytes":
                guard let bytes = Self.parseNumber(value, units: Self.byteUnits), Self.maxBytesRange.contains(bytes) else {
                    throw fail("maxBytes '\(value)' must be a size from 1M to 1024T (e.g. 500M, 10G; K/M/G/T are powers of 1024)")
                }
                maxBytes = bytes
            case "retain":
                guard let seconds = Self.parseNumber(value, units: Self.retainUnits), Self.retainSecondsRange.contains(seconds) else {
                    throw fail("retain '\(value)' must be a duration from 1m to 3650d (e.g. 24h, 7d)")
                }
                retain = .seconds(seconds)
            default:
                throw fail("unknown option '\(key)'")
            }
        }
    }

    static let segmentUnits: [Character: Int64] = ["s": 1, "m": 60, "h": 3600]
    static let retainUnits: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
    static let byteUnits: [Character: Int64] = ["k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40]

    /// "90", "90s", "5m", "1h" → a duration within 1 s ... 24 h.
    static func parseDuration(_ text: String) -> Duration? {
        guard let seconds = parseNumber(text, units: segmentUnits), (1...86_400).contains(seconds) else { return nil }
        return .seconds(seconds)
    }

    /// Up to 16 ASCII digits and an optional suffix from `units` (its factor; bare numbers count
    /// 1), multiplied out without overflow: "500m" with `byteUnits` → 500 MiB, "7d" with `retainUnits`.
    static func parseNumber(_ text: String, units: [Character: Int64]) -> Int64? {
        var digits = Substring(text)
        var unit: Int64 = 1
        if let last = digits.last, !last.isNumber {
            guard let factor = units[last] else { return nil }
            unit = factor
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.count <= 16, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let value = Int64(digits) else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: unit)
        return overflow ? nil : product
    }

    public var description: String {
        var text = "\(directory) (\(format.rawValue), segments of \(segmentDuration.components.seconds) s"
        if let maxBytes { text += ", at most \(maxBytes) bytes" }
        if let retain { text += ", kept \(retain.components.seconds) s" }
        return text + ")"
    }

    /// What the recorder deletes after each segment (nil when nothing is ever deleted).
    public var retentionPolicy: RecorderRetention.Policy? {
        guard maxBytes != nil || retain != nil else { return nil }
        return RecorderRetention.Policy(maxBytes: maxBytes, retainSeconds: retain?.components.seconds)
    }
}
