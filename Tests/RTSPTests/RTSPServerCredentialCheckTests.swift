import RTCBase
import RTSP
import Testing

/// The session parks a request whose credentials only the runtime can decide (`.checkCredentials`),
/// keeps later requests in order behind it (bounded), and resumes with the verdict: continue,
/// 401 with challenges, 403, or 401 with Retry-After and `.closeConnection`.
@Suite struct RTSPServerCredentialCheckTests {
    static let door = "rtsp://127.0.0.1:8554/door"
    static let policy = RTSPAuthPolicy(realm: "RTCBridge", users: [], allowsBasic: true, checksExternally: true)
    static let info = RTSPPathInfo(description: ServerFixtures.pathSDP, authentication: policy)

    /// A DESCRIBE with `?token=` parked on `.checkCredentials` (after its lookup).
    static func parked(_ h: inout ServerHarness, token: String = "tok") throws -> RTSPQueryID {
        h.request(.describe, door + "?token=\(token)")
        #expect(h.resolve(info) == nil, "answered before the check")
        guard case .checkCredentials(let id, let check) = h.lastEvent else {
            Issue.record("no credential check: \(String(describing: h.lastEvent))")
            throw CheckMissing()
        }
        #expect(check == RTSPCredentialCheck(path: "door", access: .read, username: nil, password: token))
        return id
    }

    struct CheckMissing: Error {}

    static func resolve(_ h: inout ServerHarness, _ id: RTSPQueryID, _ verdict: RTSPCredentialVerdict) {
        h.session.resolveCredentials(id, verdict, now: h.now)
        h.drain()
    }

    @Test func allowedContinuesAndPipelinedRequestsFollowInOrder() throws {
        var h = ServerHarness()
        let id = try Self.parked(&h)
        #expect(h.request(.options, "*") == nil, "a pipelined request was answered before the parked one")
        #expect(h.request(.getParameter, Self.door) == nil)
        Self.resolve(&h, id, .allow)
        #expect(h.responses.map(\.status.code) == [200, 200, 200])
        #expect(h.responses.map { $0.headers["CSeq"] ?? "" } == ["1", "2", "3"])
        #expect(h.responses[0].headers["Content-Type"] == "application/sdp")
        // Authorized once per connection, path and access: SETUP asks nothing more.
        let setup = h.request(.setup, Self.door + "/trackID=0", [("Transport", "RTP/AVP/TCP;interleaved=0-1")])
        #expect(setup?.status.code == 200)
        #expect(h.events.filter { if case .checkCredentials = $0 { true } else { false } }.count == 1)
    }

    @Test func deniedIs401WithChallengesAndForbiddenIs403() throws {
        var h = ServerHarness()
        let id = try Self.parked(&h)
        Self.resolve(&h, id, .deny)
        #expect(h.responses.last?.status.code == 401)
        #expect(h.responses.last?.headers.values(named: "WWW-Authenticate") == ["Basic realm=\"RTCBridge\""])
        #expect(!h.events.contains(.closeConnection))
        let again = try Self.parked(&h, token: "other")
        Self.resolve(&h, again, .forbidden)
        #expect(h.responses.last?.status.code == 403)
        // The runtime counted these failures itself: no `.authenticationFailed` on top.
        #expect(!h.events.contains { if case .authenticationFailed = $0 { true } else { false } })
    }

    @Test func blockedIs401WithRetryAfterThenClose() throws {
        var h = ServerHarness()
        let id = try Self.parked(&h)
        #expect(h.request(.options, "*") == nil)
        Self.resolve(&h, id, .blocked(retryAfterSeconds: 42))
        #expect(h.responses.count == 1, "the queued request was answered after a block")
        #expect(h.responses.last?.status.code == 401)
        #expect(h.responses.last?.headers["Retry-After"] == "42")
        #expect(h.responses.last?.headers.values(named: "WWW-Authenticate") == [], "a blocked client was offered a retry")
        #expect(h.lastEvent == .closeConnection)
    }

    @Test func aBlockedAddressIsRefusedWithoutAsking() {
        var h = ServerHarness()
        h.request(.describe, Self.door + "?token=tok")
        var blocked = Self.policy
        blocked.blockedForSeconds = 7
        let answer = h.resolve(RTSPPathInfo(description: ServerFixtures.pathSDP, authentication: blocked))
        #expect(answer?.status.code == 401 && answer?.headers["Retry-After"] == "7")
        #expect(answer?.headers.values(named: "WWW-Authenticate") == [])
        #expect(h.lastEvent == .closeConnection)
        #expect(!h.events.contains { if case .checkCredentials = $0 { true } else { false } })
    }

    @Test func requestsQueuedBehindACheckAreCappedAtMaxQueuedRequests() throws {
        var configuration = RTSPServerConfiguration(nonces: RTSPNonceIssuer(secret: [UInt8](repeating: 3, count: 32)))
        configuration.maxQueuedRequests = 2
        var h = ServerHarness(configuration: configuration)
        let id = try Self.parked(&h)
        #expect(h.request(.options, "*") == nil)
        #expect(h.request(.options, "*") == nil)   // at the cap
        #expect(h.request(.options, "*")?.status.code == 503)   // one past it
        Self.resolve(&h, id, .allow)
        #expect(h.responses.map(\.status.code) == [503, 200, 200, 200])
    }

    @Test func aStaleAnswerIsIgnored() throws {
        var h = ServerHarness()
        let id = try Self.parked(&h)
        h.session.resolveCredentials(RTSPQueryID(rawValue: id.rawValue + 100), .allow, now: h.now)
        h.drain()
        #expect(h.responses.isEmpty)
    }
}
