import RTCBase
import RTSP
import Testing

/// JWT (or any external) passwords over Basic: a path without users or a token offers Basic only
/// (Digest needs a password the server knows), and the check sees the user and the password.
@Suite struct RTSPPasswordCheckTests {
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
    let policy = RTSPAuthPolicy(realm: "RTCBridge", users: [], allowsBasic: true,
                                passwordCheck: RTSPPasswordCheck { user, password in user == "viewer" && password == "a.b.c" })

    @Test func onlyBasicIsOfferedWithoutAStaticPassword() {
        let verifier = RTSPAuthVerifier()
        let challenges = verifier.challenges(for: policy, now: now)
        #expect(challenges == ["Basic realm=\"RTCBridge\""])
        var withUsers = policy
        withUsers.users = [RTSPCredentials(username: "u", password: "p")]
        #expect(verifier.challenges(for: withUsers, now: now).count == 3)
    }

    @Test func theCheckDecidesBasicPasswords() {
        var verifier = RTSPAuthVerifier()
        #expect(verifier.verify(Self.request(authorization: Self.basic("viewer", "a.b.c")), policy: policy, now: now)
            == .authorized(username: "viewer"))
        if case .authorized = verifier.verify(Self.request(authorization: Self.basic("viewer", "x.y.z")), policy: policy, now: now) {
            Issue.record("a wrong password was accepted")
        }
        var noBasic = policy
        noBasic.allowsBasic = false
        if case .authorized = verifier.verify(Self.request(authorization: Self.basic("viewer", "a.b.c")), policy: noBasic, now: now) {
            Issue.record("Basic accepted although disabled")
        }
    }

    @Test func basicCredentialsAtTheCapAreReadAndOnePastAreNot() {
        var verifier = RTSPAuthVerifier()
        let long = String(repeating: "p", count: RTSPAuthVerifier.maxBasicCredentialBytes - "viewer:".utf8.count)
        let accepting = RTSPAuthPolicy(realm: "RTCBridge", users: [], allowsBasic: true,
                                       passwordCheck: RTSPPasswordCheck { _, password in password.hasPrefix("ppp") })
        #expect(verifier.verify(Self.request(authorization: Self.basic("viewer", long)), policy: accepting, now: now)
            == .authorized(username: "viewer"))
        if case .authorized = verifier.verify(Self.request(authorization: Self.basic("viewer", long + "p")), policy: accepting, now: now) {
            Issue.record("credentials past the cap were read")
        }
    }
}

extension RTSPPasswordCheckTests {
    @Test func aJWTInTheQueryIsCheckedAndCapped() {
        var verifier = RTSPAuthVerifier()
        func request(_ uri: String) -> RTSPRequest {
            RTSPRequest(method: .describe, uri: uri, headers: ["CSeq": "3"])
        }
        let anyUser = RTSPAuthPolicy(realm: "RTCBridge", users: [], allowsBasic: true,
                                     passwordCheck: RTSPPasswordCheck { _, password in password == "a.b.c" })
        #expect(verifier.verify(request("rtsp://127.0.0.1:8554/cam?x=1&token=a.b.c"), policy: anyUser, now: now) == .authorized(username: ""))
        if case .authorized = verifier.verify(request("rtsp://127.0.0.1:8554/cam?x=1&token=a.b.d"), policy: anyUser, now: now) {
            Issue.record("a wrong query token was accepted")
        }
        // Without a password check (static tokens only) the query is ignored.
        let staticOnly = RTSPAuthPolicy(realm: "RTCBridge", users: [], token: "a.b.c", allowsBasic: true)
        if case .authorized = verifier.verify(request("rtsp://127.0.0.1:8554/cam?token=a.b.c"), policy: staticOnly, now: now) {
            Issue.record("a static token was taken from the URL")
        }
        let atCap = String(repeating: "t", count: RTSPAuthVerifier.maxQueryTokenBytes)
        #expect(RTSPAuthVerifier.queryToken("rtsp://h/cam?token=\(atCap)") == atCap)
        #expect(RTSPAuthVerifier.queryToken("rtsp://h/cam?token=\(atCap)t") == nil)
    }
}
