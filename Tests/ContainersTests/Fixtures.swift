import TestSupport
import Foundation

/// Test files: small fixtures next to these tests, and the embedded demo clip of the Runtime target.
enum Fixtures {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    static func fixture(_ name: String) throws -> [UInt8] {
        try load(testsDirectory.appendingPathComponent("Fixtures").appendingPathComponent(name))
    }

    static func demo(_ name: String) throws -> [UInt8] {
        try load(testsDirectory.appendingPathComponent("../../Sources/Runtime/Demo").appendingPathComponent(name))
    }

    private static func load(_ url: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url.standardizedFileURL))
    }
}
