import ICE

/// One WHIP or WHEP session resource (RFC 9725 §4.1): the URL it answers under
/// (`/{pathName}/{role}/{id}`), its current entity tag and the remote ICE credentials the PATCH
/// rules compare against. `payload` is whatever the runtime keeps with it (the peer, how to end it).
public struct WHIPResource<Payload> {
    public let id: String
    public let pathName: String
    public let role: WHIPRole
    /// The quoted entity tag a PATCH must name in `If-Match`; it changes with every ICE restart.
    public internal(set) var etag: String
    public internal(set) var remoteCredentials: ICECredentials
    public var payload: Payload
    /// Who created it (the HTTP client's address), for the per-client quota.
    public let client: String
    /// Creation order in its table: the newest publisher of a path is its current one.
    let sequence: UInt64
}

extension WHIPResource: Sendable where Payload: Sendable {}
