/// Deterministic pseudo-random bytes for garbage-input tests (64-bit LCG, Knuth's constants).
struct SeededBytes {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt8 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 33)
    }

    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in next() } }
}

/// Sets the header length field to match the bytes after the header.
func fixLength(_ bytes: inout [UInt8]) {
    let length = bytes.count - 20
    bytes[2] = UInt8((length >> 8) & 0xff)
    bytes[3] = UInt8(length & 0xff)
}
