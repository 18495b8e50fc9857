import RTCBase
import RTSP
import Testing

/// Credentials only the runtime can decide (JWT, webhook) over Basic or `?token=`: a path without
/// users or a token offers Basic only (Digest needs a password the server knows), and the
/// verifier hands the user and the password on (`.external`) instead of deciding them.
@Suite struct RTSPExternalCredentialsTests {
    static func request(authorization: String?) -> RTSPRequest {
        var headers = RTSPHeaders()
        headers.add("CSeq", "2")
        if let authorization { headers.add("Authorization", authorization) }
        return RTSPRequest(method: .describe, uri: "rtsp://127.0.0.1:8554/cam", headers: headers)
    }

    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Base64.encode(Array("\(user):\(password)".utf8))
    }

    let now = Instant(nanoseconds: 1_000_000_000)
    let policy = RTSPAuthPolicy(realm: "RTCBridge", users: [], allowsBasic: true, checksExternally: true)

    @Test func onlyBasicIsOfferedWithoutAStaticPassword() {
        let verifier = RTSPAuthVerifier()
        let challenges = verifier.challenges(for: policy, now: now)
        #expect(challenges == ["Basic realm=\"RTCBridge\""])
        var withUsers = policy
        withUsers.users = [RTSPCredentials(username: "u", password: "p")]
        #expect(verifier.challenges(for: withUsers, now: now).count == 3)
    }

    @Test func basicPasswordsGoToTheRuntimeUnlessAUserMatches() {
        var verifier = RTSPAuthVerifier()
        #expect(verifier.verify(Self.request(authorization: Self.basic("viewer", "a.b.c")), policy: policy, now: now)
            == .external(username: "viewer", password: "a.b.c"))
        var withUser = policy
        withUser.users = [RTSPCredentials(username: "viewer", password: "pw")]
        #expect(verifier.verify(Self.request(authorization: Self.basic("viewer", "pw")), policy: withUser, now: now)
            == .authorized(username: "viewer"))
        var noBasic = policy
        noBasic.allowsBasic = false
        if case .challenge = verifier.verify(Self.request(authorization: Self.basic("viewer", "a.b.c")), policy: noBasic, now: now) {} else {
            Issue.record("Basic used although disabled")
        }
        var local = policy
        local.checksExternally = false
        if case .challenge = verifier.verify(Self.request(authorization: Self.basic("viewer", "a.b.c")), policy: local, now: now) {} else {
            Issue.record("a password went to the runtime although nothing checks it there")
        }
        // No credentials at all: a challenge, nothing to ask.
        if case .challenge = verifier.verify(Self.request(authorization: nil), policy: policy, now: now) {} else {
            Issue.record("a request without credentials was not challenged")
        }
    }

    @Test func basicCredentialsAtTheCapAreReadAndOnePastAreNot() {
        var verifier = RTSPAuthVerifier()
        let long = String(repeating: "p", count: RTSPAuthVerifier.maxBasicCredentialBytes - "viewer:".utf8.count)
        #expect(verifier.verify(Self.request(authorization: Self.basic("viewer", long)), policy: policy, now: now)
            == .external(username: "viewer", password: long))
        if case .challenge = verifier.verify(Self.request(authorization: Self.basic("viewer", long + "p")), policy: policy, now: now) {} else {
            Issue.record("credentials past the cap were read")
        }
    }

    @Test func aTokenInTheQueryGoesToTheRuntimeAndIsCapped() {
        var verifier = RTSPAuthVerifier()
        func request(_ uri: String) -> RTSPRequest {
            RTSPRequest(method: .describe, uri: uri, headers: ["CSeq": "3"])
        }
        #expect(verifier.verify(request("rtsp://127.0.0.1:8554/cam?x=1&token=a.b.c"), policy: policy, now: now)
            == .external(username: nil, password: "a.b.c"))
        // Without an external check (static tokens only) the query is ignored.
        let staticOnly = RTSPAuthPolicy(realm: "RTCBridge", users: [], token: "a.b.c", allowsBasic: true)
        if case .challenge = verifier.verify(request("rtsp://127.0.0.1:8554/cam?token=a.b.c"), policy: staticOnly, now: now) {} else {
            Issue.record("a static token was taken from the URL")
        }
        let atCap = String(repeating: "t", count: RTSPAuthVerifier.maxQueryTokenBytes)
        #expect(RTSPAuthVerifier.queryToken("rtsp://h/cam?token=\(atCap)") == atCap)
        #expect(RTSPAuthVerifier.queryToken("rtsp://h/cam?token=\(atCap)t") == nil)
    }
}
