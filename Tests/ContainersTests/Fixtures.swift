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

/// SplitMix64: deterministic "random" bytes for garbage-input tests.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
