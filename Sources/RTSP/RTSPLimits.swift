/// Caps on everything an RTSP peer can make us buffer (house plan §5). Exceeding one is a
/// protocol violation: the stream parser throws and the runtime closes the connection.
public struct RTSPLimits: Sendable, Equatable {
    /// Header fields per message (continuation lines count as part of their field).
    public var maxHeaderLines = 64
    /// Bytes in one header line, without its line ending.
    public var maxHeaderLineBytes = 8 * 1024
    /// Bytes in the request or status line, without its line ending.
    public var maxStartLineBytes = 4 * 1024 + 256
    /// Bytes in a Request-URI.
    public var maxURLBytes = 4 * 1024
    /// Bytes in a message body (`Content-Length`).
    public var maxBodyBytes = 64 * 1024
    /// Payload bytes of one interleaved frame (the wire maximum is 65535).
    public var maxInterleavedFrameBytes = 64 * 1024
    /// Bytes the parser may hold between `feed` and `next` (unparsed input plus the message being
    /// assembled). The runtime must drain `next()` after every `feed`.
    public var maxBufferedBytes = 256 * 1024

    public init() {}
}
