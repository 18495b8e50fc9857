import ICE
import Testing
import WHIP

/// Creation, ownership, DELETE, the session cap and takeover of `WHIPResourceTable`.
@Suite("WHIP resource table")
struct WHIPResourceTableTests {
    static let local = ICECredentials(ufrag: "loc1", password: "local-password-0123456789")
    static let remote = ICECredentials(ufrag: "rem1", password: "remote-password-0123456789")

    /// A table with `resources` created as (id, path, role); the payload is the id.
    static func table(_ resources: [(String, String, WHIPRole)], maxSessions: Int = 10,
                      takeoverPaths: Set<String> = []) throws -> WHIPResourceTable<String> {
        var table = WHIPResourceTable<String>(maxSessions: maxSessions, takeoverPaths: takeoverPaths)
        for (id, path, role) in resources {
            try table.create(id: id, pathName: path, role: role, local: local, remote: remote, payload: id)
        }
        return table
    }

    @Test("create records path, role, remote credentials and the quoted-ufrag ETag")
    func createRecords() throws {
        var table = WHIPResourceTable<String>(maxSessions: 10)
        let created = try table.create(id: "a", pathName: "cam", role: .viewer, local: Self.local, remote: Self.remote,
                                       payload: "peer")
        #expect(created.etag == "\"loc1\"" && created.etag == WHIPResourceTable<String>.etag(for: Self.local))
        let found = try #require(table.resource(id: "a", pathName: "cam", role: .viewer))
        #expect(found.id == "a" && found.pathName == "cam" && found.role == .viewer)
        #expect(found.remoteCredentials == Self.remote && found.payload == "peer" && found.etag == created.etag)
        #expect(table.count == 1)
    }

    @Test("maxSessionsPerClient: each client fills its quota, one past it is refused; others are not affected")
    func perClientQuota() throws {
        var table = WHIPResourceTable<String>(maxSessions: 10, maxSessionsPerClient: 2)
        try table.create(id: "a", pathName: "cam", role: .viewer, local: Self.local, remote: Self.remote,
                         client: "198.51.100.7", payload: "a")
        try table.reserve(id: "b", client: "198.51.100.7")   // a reservation counts too
        #expect(table.count(of: "198.51.100.7") == 2)
        #expect(throws: WHIPCreateRefusal.clientQuota(limit: 2)) { try table.reserve(id: "c", client: "198.51.100.7") }
        #expect(throws: WHIPCreateRefusal.clientQuota(limit: 2)) {
            try table.create(id: "c", pathName: "cam", role: .viewer, local: Self.local, remote: Self.remote,
                             client: "198.51.100.7", payload: "c")
        }
        #expect(WHIPCreateRefusal.clientQuota(limit: 2).description == "too many sessions from this client (2)")
        // Another client is not affected.
        try table.create(id: "d", pathName: "cam", role: .viewer, local: Self.local, remote: Self.remote,
                         client: "203.0.113.9", payload: "d")
        // Filling the reservation keeps the count; cancelling, deleting and session ends give slots back.
        try table.create(id: "b", pathName: "cam", role: .viewer, local: Self.local, remote: Self.remote,
                         client: "198.51.100.7", payload: "b")
        #expect(table.count(of: "198.51.100.7") == 2)
        #expect(table.delete(id: "a", pathName: "cam", role: .viewer) != nil)
        #expect(table.count(of: "198.51.100.7") == 1)
        try table.reserve(id: "e", client: "198.51.100.7")
        table.cancelReservation(id: "e")
        #expect(table.remove(id: "b") != nil)
        #expect(table.count(of: "198.51.100.7") == 0 && table.count(of: "203.0.113.9") == 1)
        _ = table.removeAll()
        #expect(table.count(of: "203.0.113.9") == 0)
    }

    @Test("maxSessions: the table fills up to the cap, one past it is refused with a reason")
    func sessionCap() throws {
        var table = try Self.table([("a", "cam", .viewer), ("b", "cam", .viewer)], maxSessions: 3)
        try table.checkCreate(id: "c")
        try table.create(id: "c", pathName: "live", role: .publisher, local: Self.local, remote: Self.remote, payload: "c")
        #expect(table.count == 3)
        #expect(throws: WHIPCreateRefusal.full(limit: 3)) { try table.checkCreate(id: "d") }
        #expect(throws: WHIPCreateRefusal.full(limit: 3)) {
            try table.create(id: "d", pathName: "cam", role: .viewer, local: Self.local, remote: Self.remote, payload: "d")
        }
        #expect(table.count == 3 && table.resource(id: "d", pathName: "cam", role: .viewer) == nil)
        #expect(WHIPCreateRefusal.full(limit: 3).description == "too many sessions (3)")
        // A freed slot admits a new resource again.
        #expect(table.delete(id: "a", pathName: "cam", role: .viewer) != nil)
        try table.create(id: "d", pathName: "cam", role: .viewer, local: Self.local, remote: Self.remote, payload: "d")
        #expect(table.count == 3)
    }

    @Test("reservations hold slots while sessions are built: at the cap, one past it, filled, cancelled")
    func reservations() throws {
        var table = try Self.table([("a", "cam", .viewer)], maxSessions: 3)
        try table.reserve(id: "b")
        #expect(throws: WHIPCreateRefusal.duplicateID) { try table.reserve(id: "b") }
        try table.reserve(id: "c")                                           // at the cap
        #expect(throws: WHIPCreateRefusal.full(limit: 3)) { try table.reserve(id: "d") }   // one past it
        #expect(throws: WHIPCreateRefusal.full(limit: 3)) {
            try table.create(id: "d", pathName: "cam", role: .viewer, local: Self.local, remote: Self.remote, payload: "d")
        }
        // A reserved id fills its own slot even though the table is full.
        try table.create(id: "b", pathName: "cam", role: .viewer, local: Self.local, remote: Self.remote, payload: "b")
        #expect(table.count == 2)
        // A cancelled reservation frees its slot.
        table.cancelReservation(id: "c")
        try table.reserve(id: "d")
        #expect(throws: WHIPCreateRefusal.full(limit: 3)) { try table.checkCreate(id: "e") }
    }

    @Test("a duplicate id is refused and leaves the first resource alone")
    func duplicateID() throws {
        var table = try Self.table([("a", "cam", .viewer)])
        #expect(throws: WHIPCreateRefusal.duplicateID) { try table.checkCreate(id: "a") }
        #expect(throws: WHIPCreateRefusal.duplicateID) {
            try table.create(id: "a", pathName: "live", role: .publisher, local: Self.local, remote: Self.remote, payload: "x")
        }
        #expect(table.resource(id: "a", pathName: "cam", role: .viewer)?.payload == "a")
    }

    @Test("DELETE removes the resource once; a second DELETE finds nothing")
    func deleteTwice() throws {
        var table = try Self.table([("a", "cam", .viewer), ("b", "cam", .viewer)])
        #expect(table.delete(id: "a", pathName: "cam", role: .viewer)?.payload == "a")
        #expect(table.delete(id: "a", pathName: "cam", role: .viewer) == nil)
        #expect(table.count == 1 && table.resource(id: "b", pathName: "cam", role: .viewer) != nil)
    }

    @Test("a resource answers only under its own path and role")
    func ownership() throws {
        var table = try Self.table([("a", "cam", .viewer), ("p", "live", .publisher)])
        #expect(table.resource(id: "a", pathName: "other", role: .viewer) == nil)
        #expect(table.resource(id: "a", pathName: "cam", role: .publisher) == nil)
        #expect(table.resource(id: "p", pathName: "cam", role: .publisher) == nil)
        #expect(table.delete(id: "a", pathName: "live", role: .viewer) == nil)
        #expect(table.delete(id: "a", pathName: "cam", role: .publisher) == nil)
        #expect(table.delete(id: "p", pathName: "live", role: .viewer) == nil)
        #expect(table.count == 2)
        #expect(table.delete(id: "a", pathName: "cam", role: .viewer) != nil)
        #expect(table.delete(id: "p", pathName: "live", role: .publisher) != nil)
    }

    @Test("remove forgets a session that ended by itself, whatever its path; removeAll empties the table")
    func removeAndRemoveAll() throws {
        var table = try Self.table([("a", "cam", .viewer), ("b", "cam", .viewer), ("p", "live", .publisher)])
        #expect(table.remove(id: "b")?.payload == "b")
        #expect(table.remove(id: "b") == nil)
        #expect(table.removeAll().map(\.id) == ["a", "p"])
        #expect(table.count == 0 && table.removeAll().isEmpty)
    }

    @Test("publisher(of:) is the newest WHIP publisher of that path, never a viewer or another path's")
    func currentPublisher() throws {
        let table = try Self.table([("v", "live", .viewer), ("p1", "live", .publisher), ("q", "other", .publisher),
                                    ("p2", "live", .publisher)])
        #expect(table.publisher(of: "live")?.id == "p2")
        #expect(table.publisher(of: "other")?.id == "q")
        #expect(table.publisher(of: "cam") == nil)
    }

    @Test("takeover removes and returns the current publisher of a takeover path")
    func takeover() throws {
        var table = try Self.table([("v", "live", .viewer), ("p", "live", .publisher), ("f", "fixed", .publisher)],
                                   takeoverPaths: ["live", "empty"])
        #expect(table.takeOver(pathName: "live")?.id == "p")
        #expect(table.resource(id: "p", pathName: "live", role: .publisher) == nil)
        #expect(table.resource(id: "v", pathName: "live", role: .viewer) != nil)
        // Nothing left to take over; a path without takeover keeps its publisher (the caller answers 409).
        #expect(table.takeOver(pathName: "live") == nil)
        #expect(table.takeOver(pathName: "empty") == nil)
        #expect(table.takeOver(pathName: "fixed") == nil)
        #expect(table.resource(id: "f", pathName: "fixed", role: .publisher) != nil)
        #expect(table.count == 2)
    }
}
