/// Error thrown by `ByteReader` when the input ends early.
public struct TruncatedInput: Error, Equatable, CustomStringConvertible {
    public var needed: Int
    public var available: Int
    public init(needed: Int, available: Int) { self.needed = needed; self.available = available }
    public var description: String { "truncated input: needed \(needed) bytes, \(available) left" }
}

/// Bounds-checked big-endian reader over bytes from the wire. Never traps.
public struct ByteReader {
    public let bytes: ArraySlice<UInt8>
    public private(set) var index: Int

    public init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes; self.index = bytes.startIndex }
    public init(_ bytes: [UInt8]) { self.init(bytes[...]) }

    public var remaining: Int { bytes.endIndex - index }
    public var isAtEnd: Bool { index >= bytes.endIndex }
    /// Bytes read so far.
    public var offset: Int { index - bytes.startIndex }

    @inline(__always)
    mutating func require(_ count: Int) throws(TruncatedInput) {
        guard count >= 0, remaining >= count else { throw TruncatedInput(needed: count, available: remaining) }
    }

    public mutating func readUInt8() throws(TruncatedInput) -> UInt8 {
        try require(1)
        defer { index += 1 }
        return bytes[index]
    }

    public mutating func readUInt16() throws(TruncatedInput) -> UInt16 {
        try require(2)
        defer { index += 2 }
        return UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
    }

    public mutating func readUInt24() throws(TruncatedInput) -> UInt32 {
        try require(3)
        defer { index += 3 }
        return UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
    }

    public mutating func readUInt32() throws(TruncatedInput) -> UInt32 {
        try require(4)
        defer { index += 4 }
        return UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16
            | UInt32(bytes[index + 2]) << 8 | UInt32(bytes[index + 3])
    }

    public mutating func readUInt64() throws(TruncatedInput) -> UInt64 {
        let high = try readUInt32()
        let low = try readUInt32()
        return UInt64(high) << 32 | UInt64(low)
    }

    public mutating func readBytes(_ count: Int) throws(TruncatedInput) -> ArraySlice<UInt8> {
        try require(count)
        defer { index += count }
        return bytes[index..<(index + count)]
    }

    public mutating func skip(_ count: Int) throws(TruncatedInput) {
        try require(count)
        index += count
    }

    /// The unread bytes, without consuming them.
    public var rest: ArraySlice<UInt8> { bytes[index...] }
}

extension Array where Element == UInt8 {
    @inlinable public mutating func appendUInt16(_ v: UInt16) {
        append(UInt8(v >> 8)); append(UInt8(v & 0xff))
    }
    @inlinable public mutating func appendUInt24(_ v: UInt32) {
        append(UInt8((v >> 16) & 0xff)); append(UInt8((v >> 8) & 0xff)); append(UInt8(v & 0xff))
    }
    @inlinable public mutating func appendUInt32(_ v: UInt32) {
        append(UInt8(v >> 24)); append(UInt8((v >> 16) & 0xff)); append(UInt8((v >> 8) & 0xff)); append(UInt8(v & 0xff))
    }
    @inlinable public mutating func appendUInt64(_ v: UInt64) {
        appendUInt32(UInt32(v >> 32)); appendUInt32(UInt32(v & 0xffff_ffff))
    }
}

extension Collection where Element == UInt8 {
    /// Lower-case hex, e.g. for logs and fingerprints.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(count * 2)
        for b in self { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0xf)]) }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Random values from the system's CSPRNG (getrandom on Linux).
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &g) }
    }
    public static func uint32() -> UInt32 { var g = SystemRandomNumberGenerator(); return g.next() }
    public static func uint16() -> UInt16 { var g = SystemRandomNumberGenerator(); return g.next() }
    /// A token from the ICE character set [A-Za-z0-9+/], `count` characters long.
    public static func iceString(_ count: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var g = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int(g.next() % UInt64(alphabet.count))] })
    }
    /// URL-safe token (letters and digits), for resource ids.
    public static func token(_ count: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var g = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int(g.next() % UInt64(alphabet.count))] })
    }
}
