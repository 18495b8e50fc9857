import RTCBase
import RTSP
import Testing

@Suite struct RTSPAuthTests {
    /// RFC 7616 §3.9.1: the challenge with qop "auth, auth-int" and the expected `response`s.
    static let nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
    static let opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
    static let cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"

    static func challenge(_ algorithm: String) -> String {
        "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=\(algorithm), "
            + "nonce=\"\(nonce)\", opaque=\"\(opaque)\""
    }

    @Test(arguments: [
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ])
    func rfc7616Example(algorithm: String, expected: String) throws {
        let challenges = RTSPAuthChallenge.parse([Self.challenge(algorithm)])
        #expect(challenges.count == 1)
        let challenge = try #require(challenges.first)
        guard case .digest(let digest) = challenge else { Issue.record("not digest"); return }
        #expect(digest.realm == "http-auth@example.org")
        #expect(digest.qop == ["auth", "auth-int"])
        #expect(digest.opaque == Self.opaque)
        var authenticator = RTSPClientAuthenticator(
            credentials: RTSPCredentials(username: "Mufasa", password: "Circle of Life"), challenge: challenge)
        let value = authenticator.authorization(method: RTSPMethod("GET"), uri: "/dir/index.html", cnonce: Self.cnonce)
        #expect(value.contains("response=\"\(expected)\""))
        #expect(value.contains("nc=00000001"))
        #expect(value.contains("qop=auth,") || value.hasSuffix("qop=auth") || value.contains("qop=auth, "))
        #expect(value.contains("opaque=\"\(Self.opaque)\""))
        // The next request increments the nonce count.
        let second = authenticator.authorization(method: RTSPMethod("GET"), uri: "/dir/index.html", cnonce: Self.cnonce)
        #expect(second.contains("nc=00000002"))
    }

    /// RFC 7617 §2: "Aladdin" / "open sesame".
    @Test func basicRFC7617Example() {
        var authenticator = RTSPClientAuthenticator(
            credentials: RTSPCredentials(username: "Aladdin", password: "open sesame"),
            challenge: .basic(realm: "WallyWorld"))
        #expect(authenticator.authorization(method: .describe, uri: "rtsp://x/") == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
    }

    @Test func rfc2069StyleCameraDigestWithoutQOP() throws {
        // Typical camera: Digest realm, nonce, no qop. response = MD5(HA1:nonce:HA2).
        let challenge = try #require(RTSPAuthChallenge.parse(["Digest realm=\"IP Camera\", nonce=\"abc123\""]).first)
        var authenticator = RTSPClientAuthenticator(credentials: RTSPCredentials(username: "admin", password: "secret"),
                                                    challenge: challenge)
        let value = authenticator.authorization(method: .describe, uri: "rtsp://10.0.0.2/stream1")
        let ha1 = RTSPDigestAlgorithm.md5.hashHex("admin:IP Camera:secret")
        let ha2 = RTSPDigestAlgorithm.md5.hashHex("DESCRIBE:rtsp://10.0.0.2/stream1")
        #expect(value.contains("response=\"\(RTSPDigestAlgorithm.md5.hashHex("\(ha1):abc123:\(ha2)"))\""))
        #expect(!value.contains("nc="))
        #expect(!value.contains("algorithm="))
    }

    @Test func hashVectors() {
        #expect(RTSPDigestAlgorithm.md5.hashHex("") == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(RTSPDigestAlgorithm.sha256.hashHex("abc")
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func challengeParsingPicksStrongest() {
        let challenges = RTSPAuthChallenge.parse([
            "Basic realm=\"cam\"",
            "Digest realm=\"cam\", nonce=\"n1\", algorithm=MD5",
            "Digest realm=\"cam\", nonce=\"n2\", algorithm=SHA-256, qop=\"auth\", stale=TRUE",
            "Digest realm=\"cam\", nonce=\"n3\", algorithm=SHA-512-256",
            "Bearer realm=\"x\"",
        ])
        #expect(challenges.count == 3)
        guard case .digest(let best) = RTSPAuthChallenge.preferred(challenges) else { Issue.record("no digest"); return }
        #expect(best.nonce == "n2")
        #expect(best.algorithm == .sha256)
        #expect(best.stale)
        // Several challenges in one header value.
        let combined = RTSPAuthChallenge.parse(["Digest realm=\"a\", nonce=\"b\", Basic realm=\"a\""])
        #expect(combined == [.digest(RTSPDigestChallenge(realm: "a", nonce: "b")), .basic(realm: "a")])
        // Escapes inside quoted strings.
        #expect(RTSPAuthChallenge.parse(["Basic realm=\"a \\\"q\\\" b\""]) == [.basic(realm: "a \"q\" b")])
    }

    static let policy = RTSPAuthPolicy(realm: "RTCBridge", users: [RTSPCredentials(username: "viewer", password: "pw")],
                                       allowsBasic: true, digestAlgorithms: [.sha256, .md5])

    static func request(authorization: String?) -> RTSPRequest {
        var headers: RTSPHeaders = ["CSeq": "2"]
        if let authorization { headers.add("Authorization", authorization) }
        return RTSPRequest(method: .describe, uri: "rtsp://127.0.0.1:8554/door", headers: headers)
    }

    @Test func serverVerifiesDigestBasicAndRejectsWrongPasswords() throws {
        var verifier = RTSPAuthVerifier(nonces: RTSPNonceIssuer(secret: [UInt8](repeating: 7, count: 32)))
        let now = Instant(nanoseconds: 5_000_000_000)
        guard case .challenge(let values) = verifier.verify(Self.request(authorization: nil), policy: Self.policy, now: now)
        else { Issue.record("expected challenge"); return }
        #expect(values.count == 3)
        #expect(values[0].hasPrefix("Digest realm=\"RTCBridge\""))
        #expect(values[0].contains("algorithm=SHA-256"))
        #expect(values[2] == "Basic realm=\"RTCBridge\"")
        for algorithmIndex in 0..<2 {
            let challenge = try #require(RTSPAuthChallenge.parse([values[algorithmIndex]]).first)
            for (password, ok) in [("pw", true), ("wrong", false)] {
                var client = RTSPClientAuthenticator(credentials: RTSPCredentials(username: "viewer", password: password),
                                                     challenge: challenge)
                let header = client.authorization(method: .describe, uri: "rtsp://127.0.0.1:8554/door")
                var connection = verifier   // each attempt its own (nonce counts are per connection)
                let outcome = connection.verify(Self.request(authorization: header), policy: Self.policy, now: now)
                #expect((outcome == .authorized(username: "viewer")) == ok)
            }
        }
        var basic = RTSPClientAuthenticator(credentials: RTSPCredentials(username: "viewer", password: "pw"),
                                            challenge: .basic(realm: "RTCBridge"))
        #expect(verifier.verify(Self.request(authorization: basic.authorization(method: .describe, uri: "x")),
                                policy: Self.policy, now: now) == .authorized(username: "viewer"))
        var noBasicPolicy = Self.policy
        noBasicPolicy.allowsBasic = false
        if case .authorized = verifier.verify(Self.request(authorization: basic.authorization(method: .describe, uri: "x")),
                                              policy: noBasicPolicy, now: now) {
            Issue.record("Basic accepted although disabled")
        }
    }

    @Test func expiredNonceIsStaleAndForgedNonceIsInvalid() throws {
        let issuer = RTSPNonceIssuer(secret: [UInt8](repeating: 1, count: 32), lifetime: .seconds(60))
        let start = Instant(nanoseconds: 1_000_000_000)
        let nonce = issuer.issue(now: start)
        #expect(nonce.count == 64)
        #expect(issuer.validate(nonce, now: start + .seconds(60)) == .valid)
        #expect(issuer.validate(nonce, now: start + .seconds(61)) == .stale)
        let other = RTSPNonceIssuer(secret: [UInt8](repeating: 2, count: 32))
        #expect(other.validate(nonce, now: start) == .invalid)
        #expect(issuer.validate(nonce.dropLast() + (nonce.last == "0" ? "1" : "0"), now: start) == .invalid)
        #expect(issuer.validate("0000000000000001" + nonce.dropFirst(16), now: start) == .invalid)

        var verifier = RTSPAuthVerifier(nonces: issuer, binding: 0)
        let challenge = RTSPAuthChallenge.digest(RTSPDigestChallenge(realm: "RTCBridge", nonce: nonce, algorithm: .md5))
        var client = RTSPClientAuthenticator(credentials: RTSPCredentials(username: "viewer", password: "pw"),
                                             challenge: challenge)
        let header = client.authorization(method: .describe, uri: "rtsp://127.0.0.1:8554/door")
        guard case .challenge(let values) = verifier.verify(Self.request(authorization: header), policy: Self.policy,
                                                            now: start + .seconds(120)) else {
            Issue.record("stale nonce accepted"); return
        }
        #expect(values.allSatisfy { !$0.hasPrefix("Digest") || $0.contains("stale=TRUE") })
    }
}
