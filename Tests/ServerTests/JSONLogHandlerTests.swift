import Foundation
import Logging
@testable import Server
import Synchronization
import Testing

/// `--log-format json`: one JSON object per line that JSONSerialization reads back, with
/// escaping, nested metadata and credential redaction.
@Suite struct JSONLogHandlerTests {
    /// Collects the lines a handler writes.
    final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    static func logger(_ lines: Lines, level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: "test.label") { label in
            JSONLogHandler(label: label, now: { Date(timeIntervalSince1970: 1_796_673_600.25) }) { lines.append($0) }
        }
        logger.logLevel = level
        return logger
    }

    static func object(_ line: String) throws -> [String: Any] {
        let parsed = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(parsed as? [String: Any])
    }

    @Test func writesOneObjectPerLineWithTheStandardFields() throws {
        let lines = Lines()
        let logger = Self.logger(lines)
        logger.info("session created", metadata: ["session": "abc", "path": "cam"])
        let written = lines.all
        #expect(written.count == 1)
        let line = try #require(written.first)
        #expect(line.hasSuffix("}\n") && line.dropLast().contains("\n") == false)
        let object = try Self.object(line)
        #expect(object["level"] as? String == "info")
        #expect(object["label"] as? String == "test.label")
        #expect(object["message"] as? String == "session created")
        #expect(object["time"] as? String == "2026-12-07T20:00:00.250Z")
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["session"] as? String == "abc" && metadata["path"] as? String == "cam")
    }

    @Test func escapesQuotesBackslashesAndControlCharacters() throws {
        let lines = Lines()
        let nasty = "a \"quoted\" \\ back\nnew\rret\ttab \u{0}nul \u{1B}esc \u{7F}del \u{2028}ls é 🎥"
        Self.logger(lines).warning("\(nasty)", metadata: [nasty: "\(nasty)"])
        let line = try #require(lines.all.first)
        #expect(line.filter { $0 == "\n" }.count == 1, "a raw newline inside the line")
        #expect(!line.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        let object = try Self.object(line)
        #expect(object["message"] as? String == nasty)
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata[nasty] as? String == nasty)
        #expect(line.contains("\\u0000") && line.contains("\\u001b") && line.contains("\\u2028"))
    }

    @Test func nestedMetadataAndHandlerMetadataMerge() throws {
        let lines = Lines()
        var logger = Self.logger(lines)
        logger[metadataKey: "gateway"] = "g1"
        logger.info("x", metadata: ["list": ["1", "two"], "map": ["k": "v", "n": .stringConvertible(42)]])
        let object = try Self.object(try #require(lines.all.first))
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["gateway"] as? String == "g1")
        #expect(metadata["list"] as? [String] == ["1", "two"])
        let map = try #require(metadata["map"] as? [String: String])
        #expect(map == ["k": "v", "n": "42"])
    }

    @Test func credentialKeysAreRedactedAtAnyDepth() throws {
        let lines = Lines()
        Self.logger(lines).info("auth", metadata: [
            "token": "s3cret", "Authorization": "Bearer s3cret", "rtspPassword": "s3cret",
            "nested": ["clientSecret": "s3cret", "fine": "ok"],
        ])
        let line = try #require(lines.all.first)
        #expect(!line.contains("s3cret"))
        let metadata = try #require(try Self.object(line)["metadata"] as? [String: Any])
        #expect(metadata["token"] as? String == "[redacted]")
        #expect((metadata["nested"] as? [String: String])?["fine"] == "ok")
    }

    @Test func levelFilteringAndNoMetadataKeyWhenEmpty() throws {
        let lines = Lines()
        let logger = Self.logger(lines, level: .notice)
        logger.info("dropped")
        logger.error("kept")
        let written = lines.all
        #expect(written.count == 1)
        let object = try Self.object(try #require(written.first))
        #expect(object["message"] as? String == "kept" && object["level"] as? String == "error")
        #expect(object["metadata"] == nil)
    }

    @Test func formatResolution() throws {
        #expect(try LogFormat.resolve(option: nil, configFile: nil) == .text)
        #expect(try LogFormat.resolve(option: "json", configFile: nil) == .json)
        #expect(throws: ConfigError.self) { try LogFormat.resolve(option: "xml", configFile: nil) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("logformat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("c.yaml").path
        try "log: { format: json }\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try LogFormat.resolve(option: nil, configFile: file) == .json)
        #expect(try LogFormat.resolve(option: "text", configFile: file) == .text)
        try "log: { format: yaml }\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: ConfigError.self) { try LogFormat.resolve(option: nil, configFile: file) }
    }
}
