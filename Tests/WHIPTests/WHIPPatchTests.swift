import ICE
import SDP
import Testing
import WHIP

/// PATCH rules of `WHIPResourceTable` (RFC 9725 §4.3, RFC 8840): If-Match, trickle, ICE restart.
@Suite("WHIP PATCH rules")
struct WHIPPatchTests {
    static let local = ICECredentials(ufrag: "loc1", password: "local-password-0123456789")
    static let remote = ICECredentials(ufrag: "rem1", password: "remote-password-0123456789")
    static let restartLocal = ICECredentials(ufrag: "loc2", password: "local-password-restarted-01")
    static let candidates = [SDPCandidate(foundation: "1", priority: 2_130_706_431, address: "192.0.2.1", port: 8189)]
    static let etag = "\"loc1\""

    static func table() throws -> WHIPResourceTable<Int> {
        var table = WHIPResourceTable<Int>(maxSessions: 10)
        try table.create(id: "s", pathName: "cam", role: .viewer, local: local, remote: remote, payload: 7)
        return table
    }

    static func trickleFragment() throws -> TrickleFragment {
        try TrickleFragment(parsing: "a=mid:0\r\na=candidate:1 1 udp 2122260223 198.51.100.7 50000 typ host\r\n")
    }

    static func restartFragment(ufrag: String? = "rem2", pwd: String? = "remote-password-restarted") -> TrickleFragment {
        TrickleFragment(iceUfrag: ufrag, icePwd: pwd, sections: [.init(mid: "0"), .init(mid: "1")])
    }

    func patch(_ table: inout WHIPResourceTable<Int>, id: String = "s", path: String = "cam", role: WHIPRole = .viewer,
               ifMatch: String?, _ fragment: TrickleFragment) -> WHIPPatchDecision {
        table.patch(id: id, pathName: path, role: role, ifMatch: ifMatch, fragment: fragment,
                    restartCredentials: Self.restartLocal, localCandidates: Self.candidates)
    }

    @Test("no If-Match: 428, before any fragment check")
    func ifMatchRequired() throws {
        var table = try Self.table()
        let trickle = try Self.trickleFragment()
        #expect(patch(&table, ifMatch: nil, trickle) == .preconditionRequired)
        #expect(patch(&table, ifMatch: nil, Self.restartFragment(pwd: nil)) == .preconditionRequired)
    }

    @Test("an If-Match that is not the ETag: 412, and nothing changes")
    func staleETag() throws {
        var table = try Self.table()
        let trickle = try Self.trickleFragment()
        #expect(patch(&table, ifMatch: "\"other\"", trickle) == .preconditionFailed)
        #expect(patch(&table, ifMatch: "loc1", Self.restartFragment()) == .preconditionFailed)   // unquoted
        #expect(table.resource(id: "s", pathName: "cam", role: .viewer)?.remoteCredentials == Self.remote)
    }

    @Test("trickle with the ETag: 204 keeps the ETag, and again with * or same credentials")
    func trickleKeepsETag() throws {
        var table = try Self.table()
        let trickle = try Self.trickleFragment()
        #expect(patch(&table, ifMatch: Self.etag, trickle) == .trickle(etag: Self.etag))
        #expect(patch(&table, ifMatch: "*", trickle) == .trickle(etag: Self.etag))
        let sameCredentials = TrickleFragment(iceUfrag: "rem1", icePwd: "remote-password-0123456789",
                                              sections: [.init(mid: "0", endOfCandidates: true)])
        #expect(patch(&table, ifMatch: Self.etag, sameCredentials) == .trickle(etag: Self.etag))
        #expect(table.resource(id: "s", pathName: "cam", role: .viewer)?.etag == Self.etag)
    }

    @Test("only one of ufrag/pwd: 400 with a reason")
    func halfCredentials() throws {
        var table = try Self.table()
        let reason = "a fragment needs both a=ice-ufrag and a=ice-pwd, or neither"
        #expect(patch(&table, ifMatch: Self.etag, Self.restartFragment(pwd: nil)) == .badRequest(reason))
        #expect(patch(&table, ifMatch: "*", Self.restartFragment(ufrag: nil)) == .badRequest(reason))
        #expect(table.resource(id: "s", pathName: "cam", role: .viewer)?.etag == Self.etag)
    }

    @Test("new credentials: restart with a new ETag and an ICE-lite answer per mid; the old ETag then fails")
    func restart() throws {
        var table = try Self.table()
        let trickle = try Self.trickleFragment()
        let decision = patch(&table, ifMatch: Self.etag, Self.restartFragment())
        guard case .restart(let restart) = decision else {
            Issue.record("expected a restart, got \(decision)")
            return
        }
        let newRemote = ICECredentials(ufrag: "rem2", password: "remote-password-restarted")
        #expect(restart.local == Self.restartLocal && restart.remote == newRemote)
        #expect(restart.etag == "\"loc2\"" && restart.etag != Self.etag)
        #expect(restart.answer == TrickleFragment(iceUfrag: "loc2", icePwd: "local-password-restarted-01", iceLite: true,
                                                  sections: [.init(mid: "0", candidates: Self.candidates, endOfCandidates: true),
                                                             .init(mid: "1", candidates: Self.candidates, endOfCandidates: true)]))
        let resource = try #require(table.resource(id: "s", pathName: "cam", role: .viewer))
        #expect(resource.etag == restart.etag && resource.remoteCredentials == newRemote && resource.payload == 7)
        #expect(patch(&table, ifMatch: Self.etag, trickle) == .preconditionFailed)
        #expect(patch(&table, ifMatch: restart.etag, trickle) == .trickle(etag: restart.etag))
        // The same credentials again are trickle now, not a second restart.
        #expect(patch(&table, ifMatch: restart.etag, Self.restartFragment()) == .trickle(etag: restart.etag))
    }

    @Test("If-Match: * allows an ICE restart; a fragment without sections gets one answer section")
    func wildcardRestart() throws {
        var table = try Self.table()
        let decision = patch(&table, ifMatch: "*", TrickleFragment(iceUfrag: "rem2", icePwd: "remote-password-restarted"))
        guard case .restart(let restart) = decision else {
            Issue.record("expected a restart, got \(decision)")
            return
        }
        #expect(restart.etag == "\"loc2\"")
        #expect(restart.answer.sections == [.init(mid: nil, candidates: Self.candidates, endOfCandidates: true)])
        #expect(restart.answer.serialized().hasPrefix("a=ice-lite\r\na=ice-ufrag:loc2\r\na=ice-pwd:local-password-restarted-01\r\n"))
    }

    @Test("a new password alone (same ufrag) is a restart too")
    func newPasswordRestarts() throws {
        var table = try Self.table()
        let decision = patch(&table, ifMatch: Self.etag, Self.restartFragment(ufrag: "rem1"))
        guard case .restart(let restart) = decision else {
            Issue.record("expected a restart, got \(decision)")
            return
        }
        #expect(restart.remote == ICECredentials(ufrag: "rem1", password: "remote-password-restarted"))
    }

    @Test("unknown id, another path, another role, a deleted resource: unknown session, before If-Match")
    func unknownSession() throws {
        var table = try Self.table()
        let fragment = Self.restartFragment()
        #expect(patch(&table, id: "nope", ifMatch: Self.etag, fragment) == .unknownSession)
        #expect(patch(&table, path: "other", ifMatch: Self.etag, fragment) == .unknownSession)
        #expect(patch(&table, role: .publisher, ifMatch: Self.etag, fragment) == .unknownSession)
        #expect(patch(&table, path: "other", ifMatch: nil, fragment) == .unknownSession)
        #expect(table.resource(id: "s", pathName: "cam", role: .viewer)?.remoteCredentials == Self.remote)
        #expect(table.delete(id: "s", pathName: "cam", role: .viewer) != nil)
        #expect(patch(&table, ifMatch: Self.etag, fragment) == .unknownSession)
    }
}
