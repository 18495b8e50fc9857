/// Path name rules: names become URL segments and may become file names (recordings), so they are
/// restricted to RFC 3986 §2.3 unreserved characters plus "/" as a separator, and can never
/// climb out of a directory.
enum PathName {
    static let maxLength = 128

    /// Throws `RoutingError.invalidPathName` unless `name` is 1...128 characters of
    /// `[A-Za-z0-9._~-/]`, has no leading "/", no "..", and no empty or "." segment.
    static func validate(_ name: String) throws(RoutingError) {
        func fail(_ reason: String) -> RoutingError { .invalidPathName(name, reason: reason) }
        let bytes = name.utf8
        guard !bytes.isEmpty else { throw fail("empty") }
        guard bytes.count <= maxLength else { throw fail("longer than \(maxLength) characters") }
        for byte in bytes where !isAllowed(byte) {
            throw fail(byte < 0x20 || byte == 0x7f ? "contains a control character"
                                                   : "only A-Z a-z 0-9 . _ ~ - / are allowed")
        }
        guard bytes.first != UInt8(ascii: "/") else { throw fail("must not start with \"/\"") }
        guard !name.contains("..") else { throw fail("must not contain \"..\"") }
        for segment in name.split(separator: "/", omittingEmptySubsequences: false) {
            guard !segment.isEmpty else { throw fail("empty segment (\"//\" or trailing \"/\")") }
            guard segment != "." else { throw fail("\".\" segment") }
        }
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "-"), UInt8(ascii: "/"):
            true
        default:
            false
        }
    }
}
