import RTCBase
import RTSP
import SDP
import Testing
import TestSupport

/// Issue #8: the RTSP server's authentication and timeouts, on virtual time.
@Suite struct RTSPServerHardeningTests {
    static let door = "rtsp://127.0.0.1:8554/door"
    static let viewer = RTSPCredentials(username: "viewer", password: "pw")

    static func challenges(_ response: RTSPResponse?) -> [RTSPAuthChallenge] {
        RTSPAuthChallenge.parse(response?.headers.values(named: "WWW-Authenticate") ?? [])
    }

    static func digest(_ challenges: [RTSPAuthChallenge], _ algorithm: RTSPDigestAlgorithm) throws -> RTSPAuthChallenge {
        try #require(challenges.first { if case .digest(let d) = $0 { d.algorithm == algorithm } else { false } })
    }

    /// Basic is neither offered nor accepted unless the policy enables it; Digest offers SHA-256
    /// first and MD5 last (what ffmpeg and live555 answer), and both work.
    @Test func basicRefusedByDefaultAndDigestOffersSHA256AndMD5() throws {
        let policy = RTSPAuthPolicy(realm: "RTCBridge", users: [Self.viewer])
        var h = ServerHarness()
        h.request(.describe, Self.door)
        let offered = Self.challenges(h.resolve(RTSPPathInfo(description: ServerFixtures.pathSDP, authentication: policy)))
        #expect(offered.count == 2)
        if case .digest(let first) = offered.first { #expect(first.algorithm == .sha256) } else { Issue.record("first not Digest") }
        if case .digest(let last) = offered.last { #expect(last.algorithm == .md5) } else { Issue.record("last not Digest") }
        #expect(!offered.contains(.basic(realm: "RTCBridge")))
        var basic = RTSPClientAuthenticator(credentials: Self.viewer, challenge: .basic(realm: "RTCBridge"))
        h.request(.describe, Self.door, [("Authorization", basic.authorization(method: .describe, uri: Self.door))])
        #expect(h.resolve(RTSPPathInfo(description: ServerFixtures.pathSDP, authentication: policy))?.status.code == 401)

        for algorithm in [RTSPDigestAlgorithm.sha256, .md5] {
            var h = ServerHarness()
            h.request(.describe, Self.door)
            let challenge = try Self.digest(Self.challenges(h.resolve(RTSPPathInfo(description: ServerFixtures.pathSDP,
                                                                                    authentication: policy))), algorithm)
            var client = RTSPClientAuthenticator(credentials: Self.viewer, challenge: challenge)
            h.request(.describe, Self.door, [("Authorization", client.authorization(method: .describe, uri: Self.door))])
            #expect(h.resolve(RTSPPathInfo(description: ServerFixtures.pathSDP, authentication: policy))?.status.code == 200)
        }

        var allowing = policy
        allowing.allowsBasic = true
        var verifier = RTSPAuthVerifier()
        let request = RTSPRequest(method: .describe, uri: Self.door,
                                  headers: ["CSeq": "1", "Authorization": basic.authorization(method: .describe, uri: Self.door)])
        #expect(verifier.verify(request, policy: allowing, now: Instant(nanoseconds: 1)) == .authorized(username: "viewer"))
    }

    /// A token is a password for any user name; the wrong token is refused.
    @Test func tokenIsTheDigestPasswordForAnyUser() throws {
        let policy = RTSPAuthPolicy(realm: "RTCBridge", users: [], token: "s3cret")
        var verifier = RTSPAuthVerifier()
        let now = Instant(nanoseconds: 1_000_000_000)
        guard case .challenge(let values) = verifier.verify(RTSPRequest(method: .describe, uri: Self.door, headers: ["CSeq": "1"]),
                                                            policy: policy, now: now) else {
            Issue.record("no challenge"); return
        }
        let challenge = try Self.digest(RTSPAuthChallenge.parse(values), .md5)
        for (user, password, ok) in [("anyone", "s3cret", true), ("", "s3cret", true), ("anyone", "s3cre", false),
                                     ("anyone", "s3cret!", false)] {
            var client = RTSPClientAuthenticator(credentials: RTSPCredentials(username: user, password: password), challenge: challenge)
            let request = RTSPRequest(method: .describe, uri: Self.door,
                                      headers: ["CSeq": "2", "Authorization": client.authorization(method: .describe, uri: Self.door)])
            var connection = verifier   // each attempt its own nonce counts
            #expect((connection.verify(request, policy: policy, now: now) == .authorized(username: user)) == ok, "\(user) \(ok)")
        }
    }

    /// Each nonce count is accepted once and only increasing; a legacy (no qop) response once;
    /// a nonce from another connection is stale there; nonces expire after their lifetime.
    @Test func nonceCountsAreTrackedAndReplaysRefused() throws {
        let policy = RTSPAuthPolicy(realm: "RTCBridge", users: [Self.viewer])
        let issuer = RTSPNonceIssuer(secret: [UInt8](repeating: 9, count: 32), lifetime: .seconds(10))
        var verifier = RTSPAuthVerifier(nonces: issuer, binding: 1)
        let now = Instant(nanoseconds: 1_000_000_000)
        let values = verifier.challenges(for: policy, now: now)
        let challenge = try Self.digest(RTSPAuthChallenge.parse(values), .sha256)
        var client = RTSPClientAuthenticator(credentials: Self.viewer, challenge: challenge)
        func request(_ header: String) -> RTSPRequest {
            RTSPRequest(method: .describe, uri: Self.door, headers: ["CSeq": "1", "Authorization": header])
        }
        let first = client.authorization(method: .describe, uri: Self.door)    // nc=00000001
        let second = client.authorization(method: .describe, uri: Self.door)   // nc=00000002
        #expect(verifier.verify(request(second), policy: policy, now: now) == .authorized(username: "viewer"))
        // Replayed, and an older count after a newer one.
        #expect(verifier.verify(request(second), policy: policy, now: now) != .authorized(username: "viewer"))
        #expect(verifier.verify(request(first), policy: policy, now: now) != .authorized(username: "viewer"))
        #expect(verifier.verify(request(client.authorization(method: .describe, uri: Self.door)), policy: policy, now: now)
            == .authorized(username: "viewer"))

        // Another connection's verifier: the nonce is stale there (the client retries with a fresh one).
        var other = RTSPAuthVerifier(nonces: issuer, binding: 2)
        let elsewhere = other.verify(request(client.authorization(method: .describe, uri: Self.door)), policy: policy, now: now)
        guard case .challenge(let staleValues) = elsewhere else { Issue.record("accepted on another connection"); return }
        #expect(staleValues.allSatisfy { $0.contains("stale=TRUE") })

        // Legacy Digest without qop (live555/VLC): each response once.
        let legacy = RTSPAuthChallenge.digest(RTSPDigestChallenge(realm: "RTCBridge",
                                                                  nonce: verifier.nonces.issue(now: now + .nanoseconds(1), binding: 1)))
        var old = RTSPClientAuthenticator(credentials: Self.viewer, challenge: legacy)
        let header = old.authorization(method: .describe, uri: Self.door)
        #expect(!header.contains("nc="))
        let later = now + .nanoseconds(1)
        #expect(verifier.verify(request(header), policy: policy, now: later) == .authorized(username: "viewer"))
        #expect(verifier.verify(request(header), policy: policy, now: later) != .authorized(username: "viewer"))

        // Lifetime: usable at the limit, stale one past it.
        let issued = now + .seconds(1)
        let fresh = try Self.digest(RTSPAuthChallenge.parse(verifier.challenges(for: policy, now: issued)), .md5)
        var late = RTSPClientAuthenticator(credentials: Self.viewer, challenge: fresh)
        let atLimit = late.authorization(method: .describe, uri: Self.door)
        #expect(verifier.verify(request(atLimit), policy: policy, now: issued + .seconds(10)) == .authorized(username: "viewer"))
        guard case .challenge(let expired) = verifier.verify(request(late.authorization(method: .describe, uri: Self.door)),
                                                             policy: policy, now: issued + .seconds(10) + .nanoseconds(1)) else {
            Issue.record("expired nonce accepted"); return
        }
        #expect(expired.allSatisfy { $0.contains("stale=TRUE") })
    }

    /// At most `maxTrackedNonces` nonces (the default, and 4) are in use per connection; one more
    /// is refused until older ones expire.
    @Test(arguments: [RTSPAuthVerifier.defaultMaxTrackedNonces, 4])
    func trackedNoncesAreCapped(cap: Int) throws {
        let policy = RTSPAuthPolicy(realm: "RTCBridge", users: [Self.viewer])
        var verifier = RTSPAuthVerifier(nonces: RTSPNonceIssuer(lifetime: .seconds(10)), binding: 7, maxTrackedNonces: cap)
        let start = Instant(nanoseconds: 1_000_000_000)
        func attempt(at now: Instant) throws -> RTSPAuthVerifier.Outcome {
            let challenge = try Self.digest(RTSPAuthChallenge.parse(verifier.challenges(for: policy, now: now)), .md5)
            var client = RTSPClientAuthenticator(credentials: Self.viewer, challenge: challenge)
            let request = RTSPRequest(method: .describe, uri: Self.door,
                                      headers: ["CSeq": "1", "Authorization": client.authorization(method: .describe, uri: Self.door)])
            return verifier.verify(request, policy: policy, now: now)
        }
        for index in 0..<cap {
            #expect(try attempt(at: start + .nanoseconds(index)) == .authorized(username: "viewer"))
        }
        #expect(try attempt(at: start + .nanoseconds(cap)) != .authorized(username: "viewer"))
        #expect(try attempt(at: start + .seconds(11)) == .authorized(username: "viewer"))
    }

    /// DESCRIBE of a path whose source starts on demand: unauthenticated requests get 401 and never
    /// wake it; an authorized one does, once.
    @Test func describeAuthenticatesBeforeWakingAnOnDemandSource() throws {
        let policy = RTSPAuthPolicy(realm: "RTCBridge", users: [Self.viewer])
        var h = ServerHarness()
        h.request(.describe, Self.door)
        let challenge = h.resolve(RTSPPathInfo(authentication: policy, startsOnDemand: true))
        #expect(challenge?.status.code == 401)
        #expect(!h.events.contains { if case .wake = $0 { true } else { false } })
        var client = RTSPClientAuthenticator(credentials: Self.viewer, challenge: try Self.digest(Self.challenges(challenge), .md5))
        h.request(.describe, Self.door, [("Authorization", client.authorization(method: .describe, uri: Self.door))])
        h.resolve(RTSPPathInfo(authentication: policy, startsOnDemand: true))
        guard case .wake(_, let path) = h.lastEvent else { Issue.record("not woken: \(String(describing: h.lastEvent))"); return }
        #expect(path == "door")
        // The source gave up: 404, not another wake.
        #expect(h.resolve(RTSPPathInfo(authentication: policy, startsOnDemand: true))?.status.code == 404)
        h.request(.describe, Self.door)
        #expect(h.resolve(RTSPPathInfo(description: ServerFixtures.pathSDP, authentication: policy))?.status.code == 200)
    }

    /// A connection without a session is closed `idleTimeout` after its last request (not one
    /// nanosecond before), once.
    @Test func sessionlessConnectionsTimeOut() {
        let configuration = RTSPServerConfiguration(idleTimeout: .seconds(20),
                                                    nonces: RTSPNonceIssuer(secret: [UInt8](repeating: 3, count: 32)))
        var h = ServerHarness(configuration: configuration)
        let start = h.now
        h.drain()
        #expect(h.deadline == start + .seconds(20))
        h.clock.advance(by: .seconds(5))
        #expect(h.request(.options, "*")?.status.code == 200)
        #expect(h.deadline == start + .seconds(25))
        h.timeout(at: start + .seconds(25) - .nanoseconds(1))
        #expect(!h.events.contains(.connectionIdle))
        h.timeout(at: start + .seconds(25))
        #expect(h.events.filter { $0 == .connectionIdle }.count == 1)
        h.timeout(at: start + .seconds(26))
        #expect(h.events.filter { $0 == .connectionIdle }.count == 1)
    }

    /// A session on TCP ends after `sessionTimeout` with nothing on its connection, and the
    /// connection closes; any request or interleaved frame keeps it.
    @Test func idleTCPSessionsEndAndCloseTheirConnection() throws {
        var h = ServerHarness()
        h.request(.describe, Self.door)
        h.resolve(RTSPPathInfo(description: ServerFixtures.pathSDP))
        h.rememberSession(h.request(.setup, Self.door + "/trackID=0", [("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1")]))
        h.request(.play, Self.door + "/")
        #expect(h.acceptPlay([])?.status.code == 200)
        let start = h.now
        #expect(h.deadline == start + .seconds(60))
        h.clock.advance(by: .seconds(30))
        _ = h.session.routeInterleaved(channel: 1, now: h.now)   // client RTCP
        h.drain()
        #expect(h.deadline == start + .seconds(90))
        h.timeout(at: start + .seconds(90) - .nanoseconds(1))
        #expect(h.session.sessionID != nil)
        h.timeout(at: start + .seconds(90))
        #expect(h.session.sessionID == nil)
        #expect(h.events.suffix(2) == [.sessionClosed(sessionID: h.sessionID ?? "", reason: .timedOut), .connectionIdle])
    }

    /// While a request waits for the runtime (an on-demand source starting), the connection is not idle.
    @Test func waitingForTheRuntimeIsNotIdle() {
        var h = ServerHarness()
        h.request(.describe, Self.door)
        #expect(h.deadline == .distantFuture)
        h.resolve(RTSPPathInfo(description: ServerFixtures.pathSDP))
        #expect(h.deadline == h.now + RTSPServerConfiguration().idleTimeout)
    }
}
