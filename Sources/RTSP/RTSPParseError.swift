/// Why the stream parser gave up on a connection (RFC 2326 §4, §10.12).
public struct RTSPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case startLineTooLong, urlTooLong, headerLineTooLong, tooManyHeaders, malformedHeader
        case invalidContentLength, bodyTooLarge, interleavedFrameTooLarge, bufferOverflow
        case unsupportedVersion
    }

    public var kind: Kind
    public var reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { "RTSP parse error: \(reason)" }
}
