/// Why a codec bitstream structure (SPS, payload descriptor, TOC byte) could not be parsed.
public enum CodecParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input ended while reading `field`.
    case truncated(field: String)
    /// `field` holds a value the specification does not allow.
    case invalidValue(field: String, value: Int)
    /// `field` exceeds the cap this parser enforces.
    case limitExceeded(field: String, value: Int, limit: Int)
    /// The structure is of a type this parser does not handle.
    case unsupported(String)

    public var description: String {
        switch self {
        case .truncated(let field): "truncated input while reading \(field)"
        case .invalidValue(let field, let value): "invalid \(field): \(value)"
        case .limitExceeded(let field, let value, let limit): "\(field) \(value) exceeds limit \(limit)"
        case .unsupported(let what): "unsupported: \(what)"
        }
    }
}
