import ICE

/// The WHIP (RFC 9725) and WHEP session resources of one gateway and the rules that govern them:
/// the session cap and the per-client quota, which path and role a resource answers under, its ETag, and which WHIP
/// publisher a path that allows takeover replaces. PATCH rules are in `+Patch`.
///
/// A plain value with no IO, clock or randomness: ids and credentials are passed in. The runtime
/// keeps one table confined to one event loop and closes the payloads of what it removes.
public struct WHIPResourceTable<Payload> {
    /// At most this many resources at once (viewers and publishers together).
    public let maxSessions: Int
    /// At most this many resources (and reservations) per client address.
    public let maxSessionsPerClient: Int
    /// Paths where a new WHIP publisher replaces the current one instead of getting 409.
    public let takeoverPaths: Set<String>
    /// By id; internal so that `+Patch` can update an entry.
    var resources: [String: WHIPResource<Payload>] = [:]
    /// Ids holding a slot while their session is being built (`reserve`), not yet created, and
    /// the client each is for.
    private var reserved: [String: String] = [:]
    /// Resources plus reservations per client.
    private var perClient: [String: Int] = [:]
    private var nextSequence: UInt64 = 0

    public init(maxSessions: Int, maxSessionsPerClient: Int = .max, takeoverPaths: Set<String> = []) {
        self.maxSessions = maxSessions
        self.maxSessionsPerClient = maxSessionsPerClient
        self.takeoverPaths = takeoverPaths
    }

    /// Resources and reservations held by `client`.
    public func count(of client: String) -> Int { perClient[client, default: 0] }

    public var count: Int { resources.count }

    /// The entity tag of a resource whose gateway side uses `local`: its quoted ufrag, so it
    /// changes exactly when the credentials do (an ICE restart).
    public static func etag(for local: ICECredentials) -> String { "\"\(local.ufrag)\"" }

    /// Throws what `create` would throw for `id` now (the table is full, the client holds its
    /// quota, or the id is taken), so the caller can refuse before it builds a session that
    /// `create` would refuse anyway. Reserved slots count against both caps.
    public func checkCreate(id: String, client: String = "") throws(WHIPCreateRefusal) {
        guard resources.count + reserved.count < maxSessions else { throw .full(limit: maxSessions) }
        guard count(of: client) < maxSessionsPerClient else { throw .clientQuota(limit: maxSessionsPerClient) }
        guard resources[id] == nil, reserved[id] == nil else { throw .duplicateID }
    }

    /// Holds a slot for `id` while its session is built elsewhere (another event loop), so
    /// concurrent offers cannot overshoot the caps; `create` then fills it, `cancelReservation`
    /// gives it back.
    public mutating func reserve(id: String, client: String = "") throws(WHIPCreateRefusal) {
        try checkCreate(id: id, client: client)
        reserved[id] = client
        perClient[client, default: 0] += 1
    }

    /// Gives back a slot `reserve` held (the session could not be built).
    public mutating func cancelReservation(id: String) {
        if let client = reserved.removeValue(forKey: id) { release(client) }
    }

    /// Records a new resource under `pathName` and `role`, with the ETag for `local`; fills the
    /// slot `reserve` held for `id`, if any.
    @discardableResult
    public mutating func create(id: String, pathName: String, role: WHIPRole, local: ICECredentials,
                                remote: ICECredentials, client: String = "",
                                payload: Payload) throws(WHIPCreateRefusal) -> WHIPResource<Payload> {
        if let reservedFor = reserved.removeValue(forKey: id) {
            release(reservedFor)
        } else {
            try checkCreate(id: id, client: client)
        }
        perClient[client, default: 0] += 1
        let resource = WHIPResource(id: id, pathName: pathName, role: role, etag: Self.etag(for: local),
                                    remoteCredentials: remote, payload: payload, client: client, sequence: nextSequence)
        nextSequence &+= 1
        resources[id] = resource
        return resource
    }

    /// The resource `id` if it lives under `pathName` and `role`: a resource answers only under
    /// its own URL, so naming another path or role finds nothing.
    public func resource(id: String, pathName: String, role: WHIPRole) -> WHIPResource<Payload>? {
        guard let resource = resources[id], resource.pathName == pathName, resource.role == role else { return nil }
        return resource
    }

    /// DELETE: removes and returns the resource if it lives under `pathName` and `role`.
    public mutating func delete(id: String, pathName: String, role: WHIPRole) -> WHIPResource<Payload>? {
        guard resource(id: id, pathName: pathName, role: role) != nil else { return nil }
        return take(id)
    }

    /// Forgets a resource whose session ended by itself (peer gone, failure); nil if already gone.
    @discardableResult
    public mutating func remove(id: String) -> WHIPResource<Payload>? {
        take(id)
    }

    /// Removes and returns every resource (shutdown).
    public mutating func removeAll() -> [WHIPResource<Payload>] {
        defer {
            resources.removeAll()
            perClient = reserved.values.reduce(into: [:]) { $0[$1, default: 0] += 1 }
        }
        return resources.values.sorted { $0.sequence < $1.sequence }
    }

    /// The current WHIP publisher of `pathName`: the newest publisher resource there, if any.
    public func publisher(of pathName: String) -> WHIPResource<Payload>? {
        resources.values.filter { $0.role == .publisher && $0.pathName == pathName }.max { $0.sequence < $1.sequence }
    }

    /// Takeover: on a path in `takeoverPaths`, removes and returns its current WHIP publisher so
    /// the caller can end it and attach the new one. Nil when the path does not allow takeover or
    /// has no WHIP publisher (its publisher is an RTSP client or a camera): the new one gets 409.
    public mutating func takeOver(pathName: String) -> WHIPResource<Payload>? {
        guard takeoverPaths.contains(pathName), let current = publisher(of: pathName) else { return nil }
        return take(current.id)
    }

    /// Removes `id` and gives its client's slot back.
    private mutating func take(_ id: String) -> WHIPResource<Payload>? {
        guard let resource = resources.removeValue(forKey: id) else { return nil }
        release(resource.client)
        return resource
    }

    private mutating func release(_ client: String) {
        let left = perClient[client, default: 0] - 1
        perClient[client] = left > 0 ? left : nil
    }
}

extension WHIPResourceTable: Sendable where Payload: Sendable {}
