import Foundation
import Logging

/// A swift-log handler that writes one JSON object per line (`--log-format json`):
/// `{"label":…,"level":…,"message":…,"metadata":{…},"time":"2026-12-07T20:30:00.123Z"}`, keys
/// sorted, strings escaped per RFC 8259 (quote, backslash and every control character), so each
/// line parses on its own. Metadata keys that name a credential (`token`, `authorization`,
/// `password`, `secret`, `credential`, `cookie`, anywhere in the key, any case) are written as
/// `"[redacted]"` whatever their value.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let write: @Sendable (String) -> Void
    let now: @Sendable () -> Date

    /// Writes to standard error, like swift-log's default handler.
    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.init(label: label, metadataProvider: metadataProvider, now: { Date() }) { line in
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    /// `write` gets each line with its trailing newline.
    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil,
                now: @escaping @Sendable () -> Date, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.now = now
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        write(Self.line(time: now(), level: event.level, label: label, message: "\(event.message)",
                        metadata: merged, source: event.source))
    }

    /// One log line (with its newline).
    static func line(time: Date, level: Logger.Level, label: String, message: String,
                     metadata: Logger.Metadata, source: String) -> String {
        var out = "{\"label\":"
        appendString(label, to: &out)
        out += ",\"level\":"
        appendString(level.rawValue, to: &out)
        out += ",\"message\":"
        appendString(message, to: &out)
        if !metadata.isEmpty {
            out += ",\"metadata\":"
            appendObject(metadata, redacting: true, to: &out)
        }
        out += ",\"source\":"
        appendString(source, to: &out)
        out += ",\"time\":"
        appendString(timestamp(time), to: &out)
        out += "}\n"
        return out
    }

    static let secretKeyParts = ["token", "authorization", "password", "secret", "credential", "cookie"]

    static func isSecret(_ key: String) -> Bool {
        let lower = key.lowercased()
        return secretKeyParts.contains { lower.contains($0) }
    }

    static func appendObject(_ object: Logger.Metadata, redacting: Bool, to out: inout String) {
        out += "{"
        for (index, key) in object.keys.sorted().enumerated() {
            if index > 0 { out += "," }
            appendString(key, to: &out)
            out += ":"
            if redacting && isSecret(key) {
                appendString("[redacted]", to: &out)
            } else if let value = object[key] {
                appendValue(value, to: &out)
            }
        }
        out += "}"
    }

    static func appendValue(_ value: Logger.MetadataValue, to out: inout String) {
        switch value {
        case .string(let text): appendString(text, to: &out)
        case .stringConvertible(let convertible): appendString(convertible.description, to: &out)
        case .array(let values):
            out += "["
            for (index, element) in values.enumerated() {
                if index > 0 { out += "," }
                appendValue(element, to: &out)
            }
            out += "]"
        case .dictionary(let object): appendObject(object, redacting: true, to: &out)
        }
    }

    /// A JSON string literal (RFC 8259 §7): `"` and `\` escaped, control characters as `\n`,
    /// `\r`, `\t` or `\u00XX`; everything else as UTF-8.
    static func appendString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{2028}": out += "\\u2028"   // valid JSON, but some line readers split on it
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    /// RFC 3339 UTC with milliseconds.
    static func timestamp(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = time_t(interval.rounded(.down))
        let millis = min(max(Int((interval - interval.rounded(.down)) * 1000), 0), 999)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), millis)
    }
}

/// How the gateway writes its log: swift-log's text lines (the default) or `JSONLogHandler`.
public enum LogFormat: String, Sendable, CaseIterable {
    case text
    case json

    /// `--log-format` wins over the YAML `log: { format: … }`; text when neither is given.
    public static func resolve(option: String?, configFile: String?) throws -> LogFormat {
        if let option {
            guard let format = LogFormat(rawValue: option) else {
                throw ConfigError("--log-format '\(option)' is not text or json")
            }
            return format
        }
        guard let configFile, let text = try ConfigFile.load(from: configFile).log?.format else { return .text }
        guard let format = LogFormat(rawValue: text) else {
            throw ConfigError("\(configFile): log.format '\(text)' is not text or json")
        }
        return format
    }

    /// Installs the handler for this format process-wide (call once, before any logger is made).
    public func bootstrap() {
        switch self {
        case .text: LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        case .json: LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
        }
    }
}
