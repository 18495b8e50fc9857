import RTSP

/// Who may use one path beyond the global token and JWT/webhook: its own tokens (WHEP/WHIP
/// bearer tokens, RTSP passwords) and RTSP users ("user:password"). Kept apart from the path's
/// definition: changing it (reload, `PATCH /v1/paths/{name}`) never restarts the path or ends
/// its sessions; new requests see it, sessions already authorized stay.
public struct PathAccess: Sendable, Equatable {
    public var readToken: String?
    public var publishToken: String?
    public var readUsers: [String] = []
    public var publishUsers: [String] = []

    public init(readToken: String? = nil, publishToken: String? = nil, readUsers: [String] = [], publishUsers: [String] = []) {
        self.readToken = readToken
        self.publishToken = publishToken
        self.readUsers = readUsers
        self.publishUsers = publishUsers
    }

    init(_ entry: ConfigFile.PathEntry) {
        self.init(readToken: entry.readToken, publishToken: entry.publishToken, readUsers: entry.readUsers ?? [],
                  publishUsers: entry.publishUsers ?? [])
    }

    var tokens: PathTokens { PathTokens(publish: publishToken, read: readToken) }

    /// The RTSP users and tokens of every path in `table` (throws for an entry that is not
    /// "user:password", naming the path, never the entry).
    static func rtspSettings(_ table: [String: PathAccess]) throws -> RTSPServerSettings {
        var settings = RTSPServerSettings()
        for (name, access) in table {
            try settings.setUsers(path: name, read: access.readUsers, publish: access.publishUsers)
            settings.setTokens(path: name, .init(read: access.readToken, publish: access.publishToken))
        }
        return settings
    }
}

extension PathAccess: CustomStringConvertible {
    /// What is set, never a secret.
    public var description: String {
        "readToken \(readToken == nil ? "none" : "set"), publishToken \(publishToken == nil ? "none" : "set"), "
            + "readUsers \(readUsers.count), publishUsers \(publishUsers.count)"
    }
}
