/// Why a container file could not be read. Each case renders as one human-readable line.
public enum ContainerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input ended inside `what` (e.g. "IVF frame header at offset 1056").
    case truncated(String)
    /// A magic number or start code is missing where `what` was expected.
    case badSignature(String)
    /// A field holds a value the format does not allow.
    case invalid(String)
    /// An Ogg page failed its CRC check (RFC 3533 §6).
    case checksumMismatch(pageSequence: UInt32, expected: UInt32, computed: UInt32)
    /// A size or count exceeds the configured cap.
    case limitExceeded(field: String, value: Int, limit: Int)
    /// A codec configuration the container needs is missing or invalid (e.g. AAC without `config=`).
    case missingConfiguration(String)
    /// Valid but not handled here (e.g. an Opus channel mapping we do not know).
    case unsupported(String)

    public var description: String {
        switch self {
        case .truncated(let what): "truncated input: \(what)"
        case .badSignature(let what): "missing signature: \(what)"
        case .invalid(let what): "invalid \(what)"
        case .checksumMismatch(let sequence, let expected, let computed):
            "Ogg page \(sequence): CRC \(String(expected, radix: 16)) does not match computed \(String(computed, radix: 16))"
        case .limitExceeded(let field, let value, let limit): "\(field) \(value) exceeds limit \(limit)"
        case .missingConfiguration(let what): "no valid \(what)"
        case .unsupported(let what): "unsupported: \(what)"
        }
    }
}
