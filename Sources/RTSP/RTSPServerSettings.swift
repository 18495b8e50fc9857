/// Where the RTSP server listens, its UDP media ports, and who may read or publish which path.
public struct RTSPServerSettings: Sendable, Equatable {
    /// Users of one path, per access.
    public struct PathUsers: Sendable, Equatable {
        public var read: [RTSPCredentials]
        public var publish: [RTSPCredentials]
    }

    public var host = "0.0.0.0"
    public var port = 8554
    /// The shared UDP server ports (RTP, RTCP) every UDP session uses, like MediaMTX's 8000/8001.
    /// 0 binds an ephemeral port (tests).
    public var udpRTPPort = 8000
    public var udpRTCPPort = 8001
    /// Offer UDP transport; when false, SETUP over UDP gets 461 and clients fall back to TCP.
    public var udpEnabled = true
    /// UDP sessions without any request or client RTCP for this long are reaped (RFC 2326 §12.37).
    public var sessionTimeout: Duration = .seconds(60)
    /// Realm of the Basic and Digest challenges.
    public var realm = "RTCBridge"
    public private(set) var users: [String: PathUsers] = [:]

    public init() {}

    /// Users ("user:password") allowed to read or publish a path over RTSP; none = open. A path
    /// with users for an access requires Basic or Digest authentication for it.
    public mutating func setUsers(path: String, read: [String], publish: [String]) throws {
        func parse(_ entries: [String], _ what: String) throws -> [RTSPCredentials] {
            try entries.enumerated().map { index, entry in
                guard let colon = entry.firstIndex(of: ":"), colon != entry.startIndex else {
                    // Never echo the entry: it holds a password.
                    throw RTSPSettingsError("path '\(path)': \(what) entry #\(index + 1) is not 'user:password'")
                }
                return RTSPCredentials(username: String(entry[..<colon]), password: String(entry[entry.index(after: colon)...]))
            }
        }
        let entry = PathUsers(read: try parse(read, "readUsers"), publish: try parse(publish, "publishUsers"))
        users[path] = entry.read.isEmpty && entry.publish.isEmpty ? nil : entry
    }

    /// The authentication policy of a path for an access; nil when open.
    public func authentication(path: String, access: RTSPAccess) -> RTSPAuthPolicy? {
        guard let entry = users[path] else { return nil }
        let list = access == .read ? entry.read : entry.publish
        guard !list.isEmpty else { return nil }
        return RTSPAuthPolicy(realm: realm, users: list, allowsBasic: true, digestAlgorithms: [.md5])
    }
}

/// A refused RTSP server setting; the text names the path and entry, never a password.
public struct RTSPSettingsError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
