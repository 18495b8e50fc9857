import Foundation
import ICE
import RTCBase

/// Settings of the HTTP side (WHEP, pages, API).
public struct HTTPSettings: Sendable {
    public var host = "0.0.0.0"
    public var port = 8889
    /// Origins whose pages may call the WHIP/WHEP resources from a browser (CORS); ["*"] allows
    /// any. Empty by default: only the gateway's own pages (same origin). The API never has CORS.
    public var corsOrigins: [String] = []
    /// When set, WHEP requests need `Authorization: Bearer <token>` (compared in constant time).
    public var bearerToken: String?
    /// Per-path tokens: publishing (WHIP) and reading (WHEP); each falls back to `bearerToken`.
    public var pathTokens: [String: PathTokens] = [:]
    /// ICE servers advertised in `Link` headers (RFC 9725 §4.6) on 201 answers and OPTIONS, with
    /// their TURN credentials (`--ice-server`, YAML `http.iceServers`; see `ICEServer`).
    public var iceServers: [ICEServer] = []
    /// Largest accepted SDP offer body.
    public var maxOfferBytes = 64 * 1024
    /// Open HTTP connections at most; a connection past the cap is closed at once (and logged).
    public var maxConnections = 1024
    /// An HTTP connection with no request in flight for this long is closed.
    public var idleTimeoutSeconds = 30
    /// WebRTC sessions that get their own `/metrics` series at most (YAML `metrics.maxSessionSeries`).
    public var maxSessionSeries = 1000
    /// JWT, webhook and failed-attempt limits (see `AuthSettings`).
    public var auth = AuthSettings()
    public init() {}
}

extension HTTPSettings {
    /// Who may read (WHEP) and publish (WHIP) which paths, for the startup log; never a secret.
    public func accessSummary(paths: [String], publishable: [String]) -> String {
        let openText = auth.requiresCredentials ? "requires JWT or webhook" : "open"
        func requirement(_ token: String?) -> String { token == nil ? openText : "requires token" }
        return AccessSummary.line("read (WHEP)", paths: paths) { requirement(pathTokens[$0]?.read ?? bearerToken) } + "; "
            + AccessSummary.line("publish (WHIP)", paths: publishable) { requirement(pathTokens[$0]?.publish ?? bearerToken) }
    }
}

/// Bearer tokens of one path.
public struct PathTokens: Sendable, Equatable {
    public var publish: String?
    public var read: String?
    public init(publish: String? = nil, read: String? = nil) { self.publish = publish; self.read = read }
}

/// The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1): the scheme is
/// case-insensitive (RFC 9110 §11.1) and spaces around the token are ignored; nil for any other
/// scheme or an empty token.
public func bearerToken(fromAuthorization header: String) -> String? {
    let trimmed = header.drop { $0 == " " || $0 == "\t" }
    guard let space = trimmed.firstIndex(where: { $0 == " " || $0 == "\t" }),
          trimmed[..<space].lowercased() == "bearer" else { return nil }
    let token = trimmed[space...].trimmingCharacters(in: .whitespaces)
    return token.isEmpty ? nil : token
}
