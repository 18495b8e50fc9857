/// A certificate fingerprint as carried in SDP `a=fingerprint` (RFC 8122 §5, RFC 8842 §5):
/// a hash function name ("sha-256") and the digest as uppercase hex pairs joined by colons.
public struct DTLSFingerprint: Sendable, Hashable, CustomStringConvertible {
    /// Hash function name from the IANA "Hash Function Textual Names" registry, lowercase.
    public var algorithm: String
    /// Uppercase hex with colons, e.g. "AB:CD:…".
    public var value: String

    /// Longest `a=fingerprint` value accepted by `init?(sdpValue:)` (sha-512: 7 + 1 + 191 characters).
    public static let maxSDPValueLength = 256
    /// Largest digest accepted, in bytes (SHA-512).
    public static let maxDigestLength = 64

    /// Stores the algorithm lowercased and the value uppercased, so equal fingerprints compare equal.
    public init(algorithm: String, value: String) {
        self.algorithm = algorithm.lowercased()
        self.value = value.uppercased()
    }

    /// A fingerprint from raw digest bytes.
    public init(algorithm: String, digest: [UInt8]) {
        let hex = Array("0123456789ABCDEF".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(digest.count * 3)
        for (index, byte) in digest.enumerated() {
            if index > 0 { text.append(UInt8(ascii: ":")) }
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0f)])
        }
        self.init(algorithm: algorithm, value: String(decoding: text, as: UTF8.self))
    }

    /// Parses the value of an SDP `a=fingerprint:` attribute, e.g. "sha-256 AB:CD:…".
    /// Returns nil unless it is a hash name, whitespace, and 1…64 colon-separated hex pairs.
    public init?(sdpValue: String) {
        guard sdpValue.utf8.count <= Self.maxSDPValueLength else { return nil }
        let parts = sdpValue.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard parts.count == 2, !parts[0].isEmpty,
              parts[0].utf8.allSatisfy({ Self.isTokenCharacter($0) })
        else { return nil }
        let candidate = DTLSFingerprint(algorithm: String(parts[0]), value: String(parts[1]))
        guard candidate.digest != nil else { return nil }
        self = candidate
    }

    /// The attribute value: "<algorithm> <value>".
    public var sdpValue: String { "\(algorithm) \(value)" }

    public var description: String { sdpValue }

    /// The digest bytes, or nil when `value` is not 1…64 colon-separated hex pairs.
    public var digest: [UInt8]? {
        var bytes: [UInt8] = []
        for pair in value.utf8.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false) {
            guard pair.count == 2, bytes.count < Self.maxDigestLength,
                  let high = Self.nibble(pair[pair.startIndex]),
                  let low = Self.nibble(pair[pair.index(after: pair.startIndex)])
            else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes.isEmpty ? nil : bytes
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    /// RFC 4566 `token` characters (letters, digits and a few marks), enough for hash names.
    private static func isTokenCharacter(_ character: UInt8) -> Bool {
        switch character {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
            true
        default: false
        }
    }
}
