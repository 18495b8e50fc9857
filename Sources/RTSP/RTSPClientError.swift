/// Why a client session failed; descriptions are one line and never contain passwords.
public enum RTSPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 401 and no credentials configured.
    case authenticationRequired
    /// 401 again after answering the challenge.
    case authenticationFailed
    /// 401 with no Basic or Digest (MD5/SHA-256) challenge.
    case unsupportedAuthentication
    case notFound(url: String)
    case sessionNotFound
    /// 461 and no fallback left.
    case unsupportedTransport
    case status(method: String, code: Int, reason: String)
    case timeout(method: String)
    case invalidResponse(String)
    case invalidDescription(String)
    case noTracks
    case tooManyRedirects
    case connectionClosed
    /// UDP media did not arrive and the transport preference is UDP only.
    case noMedia
    /// The stream parser gave up on the connection.
    case protocolViolation(String)

    public var description: String {
        switch self {
        case .authenticationRequired: "authentication required but no user or password configured"
        case .authenticationFailed: "authentication failed (wrong user or password)"
        case .unsupportedAuthentication: "server asks for an unsupported authentication scheme"
        case .notFound(let url): "stream not found: \(url)"
        case .sessionNotFound: "server lost the session (454 Session Not Found)"
        case .unsupportedTransport: "server supports none of the offered transports (461)"
        case .status(let method, let code, let reason): "\(method) failed: \(code) \(reason)"
        case .timeout(let method): "no answer to \(method) in time"
        case .invalidResponse(let reason): "invalid answer: \(reason)"
        case .invalidDescription(let reason): "invalid SDP from server: \(reason)"
        case .noTracks: "the stream has no audio or video track"
        case .tooManyRedirects: "too many redirects"
        case .connectionClosed: "connection closed by the server"
        case .noMedia: "no media arrived over UDP"
        case .protocolViolation(let reason): "protocol violation: \(reason)"
        }
    }
}
