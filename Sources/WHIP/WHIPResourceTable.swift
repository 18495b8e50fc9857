import ICE

/// The WHIP (RFC 9725) and WHEP session resources of one gateway and the rules that govern them:
/// the session cap, which path and role a resource answers under, its ETag, and which WHIP
/// publisher a path that allows takeover replaces. PATCH rules are in `+Patch`.
///
/// A plain value with no IO, clock or randomness: ids and credentials are passed in. The runtime
/// keeps one table confined to one event loop and closes the payloads of what it removes.
public struct WHIPResourceTable<Payload> {
    /// At most this many resources at once (viewers and publishers together).
    public let maxSessions: Int
    /// Paths where a new WHIP publisher replaces the current one instead of getting 409.
    public let takeoverPaths: Set<String>
    /// By id; internal so that `+Patch` can update an entry.
    var resources: [String: WHIPResource<Payload>] = [:]
    /// Ids holding a slot while their session is being built (`reserve`), not yet created.
    private var reserved: Set<String> = []
    private var nextSequence: UInt64 = 0

    public init(maxSessions: Int, takeoverPaths: Set<String> = []) {
        self.maxSessions = maxSessions
        self.takeoverPaths = takeoverPaths
    }

    public var count: Int { resources.count }

    /// The entity tag of a resource whose gateway side uses `local`: its quoted ufrag, so it
    /// changes exactly when the credentials do (an ICE restart).
    public static func etag(for local: ICECredentials) -> String { "\"\(local.ufrag)\"" }

    /// Throws what `create` would throw for `id` now (the table is full, or the id is taken), so
    /// the caller can refuse before it builds a session that `create` would refuse anyway.
    /// Reserved slots count against the cap.
    public func checkCreate(id: String) throws(WHIPCreateRefusal) {
        guard resources.count + reserved.count < maxSessions else { throw .full(limit: maxSessions) }
        guard resources[id] == nil, !reserved.contains(id) else { throw .duplicateID }
    }

    /// Holds a slot for `id` while its session is built elsewhere (another event loop), so
    /// concurrent offers cannot overshoot the cap; `create` then fills it, `cancelReservation`
    /// gives it back.
    public mutating func reserve(id: String) throws(WHIPCreateRefusal) {
        try checkCreate(id: id)
        reserved.insert(id)
    }

    /// Gives back a slot `reserve` held (the session could not be built).
    public mutating func cancelReservation(id: String) {
        reserved.remove(id)
    }

    /// Records a new resource under `pathName` and `role`, with the ETag for `local`; fills the
    /// slot `reserve` held for `id`, if any.
    @discardableResult
    public mutating func create(id: String, pathName: String, role: WHIPRole, local: ICECredentials,
                                remote: ICECredentials, payload: Payload) throws(WHIPCreateRefusal) -> WHIPResource<Payload> {
        if reserved.remove(id) == nil { try checkCreate(id: id) }
        let resource = WHIPResource(id: id, pathName: pathName, role: role, etag: Self.etag(for: local),
                                    remoteCredentials: remote, payload: payload, sequence: nextSequence)
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
        return resources.removeValue(forKey: id)
    }

    /// Forgets a resource whose session ended by itself (peer gone, failure); nil if already gone.
    @discardableResult
    public mutating func remove(id: String) -> WHIPResource<Payload>? {
        resources.removeValue(forKey: id)
    }

    /// Removes and returns every resource (shutdown).
    public mutating func removeAll() -> [WHIPResource<Payload>] {
        defer { resources.removeAll() }
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
        return resources.removeValue(forKey: current.id)
    }
}

extension WHIPResourceTable: Sendable where Payload: Sendable {}
