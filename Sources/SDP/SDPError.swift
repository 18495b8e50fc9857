/// A session description could not be parsed, or an offer could not be answered.
///
/// `description` is one human-readable line, for example `SDP line 7: malformed m= line`.
public struct SDPError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case tooLarge, tooManyLines, lineTooLong, tooManyMediaSections, tooManyCandidates, tooManyAttributes
        case malformed, missingField, noCommonCodec, unsupported
    }

    public var kind: Kind
    /// 1-based line number in the parsed text, when the error belongs to one line.
    public var line: Int?
    public var reason: String

    public init(_ kind: Kind, line: Int? = nil, _ reason: String) {
        self.kind = kind
        self.line = line
        self.reason = reason
    }

    public var description: String {
        if let line { return "SDP line \(line): \(reason)" }
        return "SDP: \(reason)"
    }

    /// A short, single-line, printable rendering of untrusted text for use inside a reason.
    static func excerpt(_ text: some StringProtocol, maxLength: Int = 40) -> String {
        var result = ""
        for scalar in text.unicodeScalars.prefix(maxLength) {
            result.unicodeScalars.append(scalar.value >= 0x20 && scalar.value < 0x7F ? scalar : "?")
        }
        if text.unicodeScalars.count > maxLength { result += "..." }
        return result
    }
}
