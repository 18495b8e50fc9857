/// Why a WHIP/WHEP client request failed; `description` is the clear reason for logs and the CLI.
/// No variant ever carries the bearer token.
public enum WHIPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server answered with an error status; `reason` is the start of its body (sanitized).
    case http(status: Int, reason: String)
    /// 307/308 chains longer than `WHIPClientConfiguration.maxRedirects`.
    case tooManyRedirects(Int)
    /// A redirect pointed back to a URL already tried.
    case redirectLoop(String)
    /// A redirect or 201 without a usable Location.
    case badLocation(String)
    /// 201 without an SDP answer, or another status than the protocol allows.
    case badResponse(String)
    /// The request never got an answer (refused, unresolvable host, timeout, TLS).
    case transport(String)
    /// The media session of an established resource ended (ICE or DTLS failed, consent lost).
    case sessionEnded(String)
    /// Re-publishing stopped after `maxAttempts` failed attempts in a row.
    case gaveUp(attempts: Int, last: String)

    /// Whether trying again later may help: transport errors, 5xx, 404 (the stream may not be
    /// there yet), 408, 409, 425, 429. Other 4xx (401, 403, 400, 415 …) and protocol errors are final.
    public var isRetryable: Bool {
        switch self {
        case .transport, .sessionEnded: true
        case .http(let status, _): status >= 500 || [404, 408, 409, 425, 429].contains(status)
        case .tooManyRedirects, .redirectLoop, .badLocation, .badResponse, .gaveUp: false
        }
    }

    public var description: String {
        switch self {
        case .http(let status, let reason):
            "remote answered \(status)" + (reason.isEmpty ? "" : ": \(reason)")
        case .tooManyRedirects(let count): "more than \(count) redirects"
        case .redirectLoop(let url): "redirect loop back to \(url)"
        case .badLocation(let reason): "bad Location: \(reason)"
        case .badResponse(let reason): "bad response: \(reason)"
        case .transport(let reason): "request failed: \(reason)"
        case .sessionEnded(let reason): "media session ended: \(reason)"
        case .gaveUp(let attempts, let last): "gave up after \(attempts) attempts (last: \(last))"
        }
    }
}
