/// A malformed RTSP header value, with a one-line reason.
public struct RTSPHeaderError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "invalid RTSP header: \(reason)" }
}
