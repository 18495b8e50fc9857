import Auth
import JWTKit
import Testing

@Suite struct JWTVerifierTests {
    let ecKey = ES256PrivateKey()

    func verifier(issuer: String? = nil, audience: String? = nil) async throws -> JWTVerifier {
        let keys = try await JWTKeySet.load(jwksJSON: try TestTokens.jwks(ec: ecKey), secret: TestTokens.secret)
        return JWTVerifier(keys: keys, issuer: issuer, audience: audience, leewaySeconds: 30)
    }

    func check(_ token: String, path: String = "cam1", action: AuthAction = .read, now: Double = TestTokens.now,
               verifier given: JWTVerifier? = nil) async throws -> AuthDenial? {
        let verifier: JWTVerifier
        if let given { verifier = given } else { verifier = try await self.verifier() }
        switch verifier.verify(token, now: now) {
        case .success(let grant): return grant.denial(path: path, action: action, protocol: .whep)
        case .failure(let denial): return denial
        }
    }

    @Test func goodHS256TokenAllowsItsPaths() async throws {
        let token = try TestTokens.token(header: #"{"alg":"HS256","typ":"JWT"}"#, payload: TestTokens.payload(),
                                         signer: try await TestTokens.hmacSigner())
        #expect(try await check(token, path: "cam1", action: .read) == nil)
        #expect(try await check(token, path: "door", action: .publish) == nil)
    }

    @Test func goodRS256AndES256TokensChooseTheirKeyByKid() async throws {
        let rs = try TestTokens.token(header: #"{"alg":"RS256","kid":"rsa1"}"#, payload: TestTokens.payload(),
                                      signer: try await TestTokens.rsaSigner())
        #expect(try await check(rs) == nil)
        let es = try TestTokens.token(header: #"{"alg":"ES256","kid":"ec1"}"#, payload: TestTokens.payload(),
                                      signer: try await TestTokens.ecSigner(ecKey))
        #expect(try await check(es) == nil)
    }

    @Test func expiredAndNotYetValidTokensAreRefusedPastTheLeeway() async throws {
        let signer = try await TestTokens.hmacSigner()
        let header = #"{"alg":"HS256"}"#
        let expired = try TestTokens.token(header: header, payload: TestTokens.payload(exp: TestTokens.now - 31), signer: signer)
        #expect(try await check(expired) == .expired)
        let withinLeeway = try TestTokens.token(header: header, payload: TestTokens.payload(exp: TestTokens.now - 30), signer: signer)
        #expect(try await check(withinLeeway) == nil)
        let noExp = try TestTokens.token(header: header, payload: TestTokens.payload(exp: nil), signer: signer)
        #expect(try await check(noExp) == .expired)
        let early = try TestTokens.token(header: header, payload: TestTokens.payload(nbf: TestTokens.now + 31), signer: signer)
        #expect(try await check(early) == .notYetValid)
        let justValid = try TestTokens.token(header: header, payload: TestTokens.payload(nbf: TestTokens.now + 30), signer: signer)
        #expect(try await check(justValid) == nil)
    }

    @Test func wrongPathAndWrongActionAreRefused() async throws {
        let token = try TestTokens.token(header: #"{"alg":"HS256"}"#, payload: TestTokens.payload(),
                                         signer: try await TestTokens.hmacSigner())
        #expect(try await check(token, path: "garage", action: .read) == .pathNotAllowed)
        #expect(try await check(token, path: "cam1", action: .publish) == .actionNotAllowed)
        #expect(try await check(token, path: "door", action: .read) == .actionNotAllowed)
    }

    @Test func hs256TokenAgainstAnRS256KeyIsRefused() async throws {
        // Algorithm confusion: HMAC keyed with the RSA public key's bytes, naming the RSA key's kid.
        let publicPEM = try TestTokens.rsaKey().publicKey.pemRepresentation
        let forged = try TestTokens.token(header: #"{"alg":"HS256","kid":"rsa1"}"#, payload: TestTokens.payload(),
                                          signer: try await TestTokens.hmacSigner(publicPEM))
        #expect(try await check(forged) == .wrongAlgorithm)
        // And an RS256 token naming the EC key.
        let crossed = try TestTokens.token(header: #"{"alg":"RS256","kid":"ec1"}"#, payload: TestTokens.payload(),
                                           signer: try await TestTokens.rsaSigner())
        #expect(try await check(crossed) == .wrongAlgorithm)
    }

    @Test func algNoneIsRefused() async throws {
        let unsigned = try TestTokens.token(header: #"{"alg":"none"}"#, payload: TestTokens.payload(), signer: nil)
        #expect(try await check(unsigned) == .unsupportedAlgorithm)
        let upper = try TestTokens.token(header: #"{"alg":"NONE"}"#, payload: TestTokens.payload(), signer: nil)
        #expect(try await check(upper) == .unsupportedAlgorithm)
        let hs512 = try TestTokens.token(header: #"{"alg":"HS512"}"#, payload: TestTokens.payload(), signer: nil)
        #expect(try await check(hs512) == .unsupportedAlgorithm)
    }

    @Test func badSignatureIsRefused() async throws {
        let signer = try await TestTokens.hmacSigner()
        let good = try TestTokens.token(header: #"{"alg":"HS256"}"#, payload: TestTokens.payload(), signer: signer)
        let parts = good.split(separator: ".")
        // The payload swapped for one granting more, the signature kept.
        let widened = TestTokens.base64URL(Array(TestTokens.payload(read: ["*"]).utf8))
        #expect(try await check("\(parts[0]).\(widened).\(parts[2])", path: "garage") == .badSignature)
        let otherSecret = try TestTokens.token(header: #"{"alg":"HS256"}"#, payload: TestTokens.payload(),
                                               signer: try await TestTokens.hmacSigner("another-secret-of-thirty-two-bytes!!"))
        #expect(try await check(otherSecret) == .badSignature)
        #expect(try await check("\(parts[0]).\(parts[1]).") == .badSignature)
    }

    @Test func unknownKidIsRefused() async throws {
        let token = try TestTokens.token(header: #"{"alg":"RS256","kid":"rotated-away"}"#, payload: TestTokens.payload(),
                                         signer: try await TestTokens.rsaSigner())
        #expect(try await check(token) == .unknownKey)
    }

    @Test func malformedTokensAreRefused() async throws {
        #expect(try await check("a.b") == .malformedToken)
        #expect(try await check("!!.??.xx") == .malformedToken)
        #expect(try await check("e30.e30.e30") == .malformedToken)   // {} has no alg
        let tooLong = String(repeating: "a", count: JWTVerifier.defaultMaxTokenBytes - 4) + ".b.c"
        #expect(try await check(tooLong) == .malformedToken)
    }

    @Test func tokenAtTheSizeCapIsReadAndOnePastIsNot() async throws {
        let signer = try await TestTokens.hmacSigner()
        var verifier = try await verifier()
        let token = try TestTokens.token(header: #"{"alg":"HS256"}"#, payload: TestTokens.payload(), signer: signer)
        verifier.maxTokenBytes = token.utf8.count
        #expect(try await check(token, verifier: verifier) == nil)
        verifier.maxTokenBytes = token.utf8.count - 1
        #expect(try await check(token, verifier: verifier) == .malformedToken)
    }

    @Test func issuerAndAudienceAreChecked() async throws {
        let signer = try await TestTokens.hmacSigner()
        let verifier = try await verifier(issuer: "https://issuer.test", audience: "rtcbridge")
        let good = try TestTokens.token(header: #"{"alg":"HS256"}"#,
                                        payload: TestTokens.payload(extra: #""iss":"https://issuer.test","aud":["x","rtcbridge"]"#), signer: signer)
        #expect(try await check(good, verifier: verifier) == nil)
        let wrongIssuer = try TestTokens.token(header: #"{"alg":"HS256"}"#,
                                               payload: TestTokens.payload(extra: #""iss":"https://evil.test","aud":"rtcbridge""#), signer: signer)
        #expect(try await check(wrongIssuer, verifier: verifier) == .wrongIssuer)
        let wrongAudience = try TestTokens.token(header: #"{"alg":"HS256"}"#,
                                                 payload: TestTokens.payload(extra: #""iss":"https://issuer.test","aud":"other""#), signer: signer)
        #expect(try await check(wrongAudience, verifier: verifier) == .wrongAudience)
    }

    @Test func jwksKeysNeedAKidAndAnAlgorithmTheyCanDo() async throws {
        await #expect(throws: JWTKeySetError.self) { try await JWTKeySet.load(jwksJSON: #"{"keys":[{"kty":"EC","crv":"P-256","x":"a","y":"b"}]}"#, secret: nil) }
        await #expect(throws: JWTKeySetError.self) { try await JWTKeySet.load(jwksJSON: "not json", secret: nil) }
        await #expect(throws: JWTKeySetError.self) { try await JWTKeySet.load(jwksJSON: nil, secret: "short") }
        let keys = try await JWTKeySet.load(jwksJSON: try TestTokens.jwks(ec: ecKey), secret: nil)
        #expect(keys.keys["rsa1"]?.algorithm == "RS256")
        #expect(keys.keys["ec1"]?.algorithm == "ES256")
    }
}
