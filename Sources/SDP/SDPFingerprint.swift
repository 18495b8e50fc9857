/// `a=fingerprint:<hash function> <fingerprint>` (RFC 8122 §5, RFC 8842 §5).
public struct SDPFingerprint: Sendable, Equatable {
    /// Hash function token, e.g. `sha-256` (lower-case by convention, compared case-insensitively).
    public var algorithm: String
    /// Upper-case hex bytes separated by colons, e.g. `AB:CD:…`.
    public var value: String

    public init(algorithm: String, value: String) {
        self.algorithm = algorithm
        self.value = value
    }

    /// Builds the colon-separated form from digest bytes.
    public init(algorithm: String = "sha-256", digest: [UInt8]) {
        let digits = Array("0123456789ABCDEF")
        let value = digest.map { String([digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]]) }.joined(separator: ":")
        self.init(algorithm: algorithm, value: value)
    }

    public init?(attributeValue: some StringProtocol) {
        let parts = attributeValue.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2 else { return nil }
        self.init(algorithm: String(parts[0]), value: String(parts[1]))
    }

    public var attributeValue: String { algorithm + " " + value }

    /// The fingerprint bytes, nil when `value` is not colon-separated hex pairs.
    public var digest: [UInt8]? {
        var bytes: [UInt8] = []
        for pair in value.split(separator: ":", omittingEmptySubsequences: false) {
            guard pair.utf8.count == 2, let byte = UInt8(pair, radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes.isEmpty ? nil : bytes
    }
}
