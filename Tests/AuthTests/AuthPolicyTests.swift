import Auth
import RTCBase
import Testing

@Suite struct AuthPolicyTests {
    func request(_ path: String, _ action: AuthAction = .read, _ kind: AuthProtocol = .whep, token: String? = nil) -> AuthRequest {
        AuthRequest(path: path, action: action, protocol: kind, clientIP: "192.0.2.1", token: token)
    }

    @Test func staticTokensAloneBehaveAsBefore() {
        var tokens = StaticTokens(global: "global")
        tokens.set(path: "cam", publish: "pub", read: "view")
        let policy = AuthPolicy(tokens: tokens)
        #expect(policy.evaluate(request("cam", token: "view"), now: 0) == .allow)
        #expect(policy.evaluate(request("cam", token: "global"), now: 0) == .deny(.wrongToken))
        #expect(policy.evaluate(request("cam", .publish, .whip, token: "pub"), now: 0) == .allow)
        #expect(policy.evaluate(request("other", token: "global"), now: 0) == .allow)
        #expect(policy.evaluate(request("other"), now: 0) == .deny(.missingCredentials))
        #expect(policy.evaluate(request("metrics", .read, .api, token: "global"), now: 0) == .allow)
        let open = AuthPolicy()
        #expect(open.evaluate(request("cam"), now: 0) == .allow)
    }

    @Test func withJWTNothingIsOpenAndStaticTokensStillWork() async throws {
        let keys = try await JWTKeySet.load(jwksJSON: nil, secret: TestTokens.secret)
        var tokens = StaticTokens()
        tokens.set(path: "cam", publish: nil, read: "view")
        let policy = AuthPolicy(tokens: tokens, jwt: JWTVerifier(keys: keys))
        #expect(policy.evaluate(request("other"), now: TestTokens.now) == .deny(.missingCredentials))
        #expect(policy.evaluate(request("cam", token: "view"), now: TestTokens.now) == .allow)
        let jwt = try TestTokens.token(header: #"{"alg":"HS256"}"#, payload: TestTokens.payload(), signer: try await TestTokens.hmacSigner())
        #expect(policy.evaluate(request("cam7", token: jwt), now: TestTokens.now) == .allow)
        #expect(policy.evaluate(request("garage", token: jwt), now: TestTokens.now) == .deny(.pathNotAllowed))
        // The API needs "api": true.
        #expect(policy.evaluate(request("metrics", .read, .api, token: jwt), now: TestTokens.now) == .deny(.actionNotAllowed))
        let admin = try TestTokens.token(header: #"{"alg":"HS256"}"#, payload: TestTokens.payload(api: true),
                                         signer: try await TestTokens.hmacSigner())
        #expect(policy.evaluate(request("metrics", .read, .api, token: admin), now: TestTokens.now) == .allow)
    }

    @Test func theWebhookDecidesWhatTheOthersDoNotAllow() async throws {
        let keys = try await JWTKeySet.load(jwksJSON: nil, secret: TestTokens.secret)
        let policy = AuthPolicy(jwt: JWTVerifier(keys: keys), webhookEnabled: true)
        #expect(policy.evaluate(request("cam"), now: TestTokens.now) == .askWebhook)
        #expect(policy.evaluate(request("cam", token: "opaque"), now: TestTokens.now) == .askWebhook)
        let jwt = try TestTokens.token(header: #"{"alg":"HS256"}"#, payload: TestTokens.payload(), signer: try await TestTokens.hmacSigner())
        #expect(policy.evaluate(request("cam1", token: jwt), now: TestTokens.now) == .allow)
    }

    @Test func pathPatterns() throws {
        let cam = try #require(AuthPathPattern("cam*"))
        #expect(cam.matches("cam") && cam.matches("cam12") && !cam.matches("xcam"))
        let nested = try #require(AuthPathPattern("site/*/live"))
        #expect(nested.matches("site/a/b/live") && !nested.matches("site/live"))
        let exact = try #require(AuthPathPattern("door"))
        #expect(exact.matches("door") && !exact.matches("door2"))
        #expect(try #require(AuthPathPattern("*")).matches("anything/at/all"))
        #expect(AuthPathPattern("") == nil)
        #expect(AuthPathPattern(String(repeating: "a", count: AuthPathPattern.maxLength)) != nil)
        #expect(AuthPathPattern(String(repeating: "a", count: AuthPathPattern.maxLength + 1)) == nil)
    }
}

extension AuthPolicyTests {
    /// `/api/stats` is open with the static tokens alone (even with a global token, which
    /// `/metrics` needs) and closes once JWT or a webhook is configured.
    @Test func statsAreOpenOnlyWithStaticTokens() async throws {
        let stats = request(AuthPolicy.statsPath, .read, .api)
        let metrics = request("metrics", .read, .api)
        let withGlobal = AuthPolicy(tokens: StaticTokens(global: "global"))
        #expect(withGlobal.isOpen(stats))
        #expect(withGlobal.evaluate(stats, now: 0) == .allow)
        #expect(!withGlobal.isOpen(metrics))
        #expect(withGlobal.evaluate(metrics, now: 0) == .deny(.missingCredentials))
        #expect(AuthPolicy().isOpen(stats) && AuthPolicy().isOpen(metrics))
        let webhook = AuthPolicy(webhookEnabled: true)
        #expect(!webhook.isOpen(stats))
        #expect(webhook.evaluate(stats, now: 0) == .askWebhook)
        let keys = try await JWTKeySet.load(jwksJSON: nil, secret: TestTokens.secret)
        let jwt = AuthPolicy(jwt: JWTVerifier(keys: keys))
        #expect(!jwt.isOpen(stats))
        #expect(jwt.evaluate(stats, now: TestTokens.now) == .deny(.missingCredentials))
        // A path is open only without a token of its own or a global one.
        var tokens = StaticTokens()
        tokens.set(path: "cam", publish: nil, read: "view")
        let perPath = AuthPolicy(tokens: tokens)
        #expect(!perPath.isOpen(request("cam")) && perPath.isOpen(request("other")))
    }
}
