/// Caps applied while parsing an untrusted session description (RFC 8866).
///
/// Every count and size taken from the wire is bounded by one of these values; a description that
/// exceeds a cap is rejected with the matching `SDPError.Kind`. A value exactly at a cap is accepted.
public struct SDPLimits: Sendable, Equatable {
    /// Largest accepted description, in UTF-8 bytes.
    public var maxBytes = 64 * 1024
    /// Largest number of lines (blank lines included, the empty tail after a final newline excluded).
    public var maxLines = 2000
    /// Longest accepted line in UTF-8 bytes, excluding its CR/LF terminator.
    public var maxLineLength = 4096
    /// Largest number of `m=` sections.
    public var maxMediaSections = 16
    /// Largest number of `a=candidate` lines in one section (session level included).
    public var maxCandidatesPerMedia = 64
    /// Largest number of `a=` lines in one section (session level or one media section).
    public var maxAttributesPerSection = 512

    public init() {}
}
