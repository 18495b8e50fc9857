import Auth
import Foundation
import Logging
import RTCBase
import RTSP
import Runtime
import Synchronization

/// The gateway's one place that says yes or no: the sans-IO `AuthPolicy` (static tokens, JWT),
/// then the webhook when configured, behind the per-address failed-attempt limiter. Shared by
/// every HTTP request and RTSP connection (its state behind a mutex).
public final class GatewayAuthorizer: Sendable {
    struct State: Sendable {
        var policy: AuthPolicy
        var limiter: AuthFailureLimiter
        var cache: WebhookAllowCache
    }

    /// The policy now (its per-path tokens change on reload, `replacePathTokens`).
    public var policy: AuthPolicy { state.withLock { $0.policy } }
    let webhook: AuthWebhookClient?
    let logger: Logger
    private let state: Mutex<State>

    init(policy: AuthPolicy, webhook: AuthWebhookClient?, settings: AuthSettings, logger: Logger) {
        self.webhook = webhook
        self.logger = logger
        state = Mutex(State(policy: policy, limiter: AuthFailureLimiter(settings: settings.failures),
                            cache: WebhookAllowCache(lifetime: settings.webhookCacheLifetime)))
    }

    /// Whether JWTs are checked (keys or a secret configured).
    public var usesJWT: Bool { policy.jwt != nil }

    /// Replaces the per-path tokens (reload, control API); the global token stays. Requests from
    /// then on are checked against them; sessions already authorized are not touched.
    public func replacePathTokens(_ pathTokens: [String: PathTokens]) {
        state.withLock { state in
            var tokens = StaticTokens(global: state.policy.tokens.global)
            for (path, own) in pathTokens { tokens.set(path: path, publish: own.publish, read: own.read) }
            state.policy.tokens = tokens
        }
    }

    /// Loads the JWT keys (the JWKS file, the secret) and sets up the webhook.
    public static func make(_ settings: HTTPSettings, logger: Logger) async throws -> GatewayAuthorizer {
        let tokens = staticTokens(settings)
        let auth = settings.auth
        var jwt: JWTVerifier?
        if auth.jwtEnabled {
            var jwks: String?
            if let file = auth.jwksFile {
                do { jwks = try String(contentsOfFile: file, encoding: .utf8) } catch {
                    throw ConfigError("cannot read the JWKS file \(file): \(error.localizedDescription)")
                }
            }
            let keys: JWTKeySet
            do { keys = try await JWTKeySet.load(jwksJSON: jwks, secret: auth.jwtSecret) } catch {
                throw ConfigError("auth.jwt: \(error)")
            }
            jwt = JWTVerifier(keys: keys, issuer: auth.jwtIssuer, audience: auth.jwtAudience, leewaySeconds: auth.jwtLeewaySeconds)
        }
        let policy = AuthPolicy(tokens: tokens, jwt: jwt, webhookEnabled: auth.webhookURL != nil)
        let webhook = auth.webhookURL.map { AuthWebhookClient(url: $0, timeout: auth.webhookTimeout) }
        return GatewayAuthorizer(policy: policy, webhook: webhook, settings: auth, logger: logger)
    }

    /// The decision for `request`; failures are counted against its address.
    public func authorize(_ request: AuthRequest) async -> AuthDecision {
        let now = RuntimeClock.now()
        let policy = self.policy
        // What is open needs no credentials, so it is never rate-limited either.
        if policy.isOpen(request) { return .allow }
        if isBlocked(request.clientIP, now: now) { return .deny(.rateLimited) }
        let decision: AuthDecision
        switch policy.evaluate(request, now: Date().timeIntervalSince1970) {
        case .allow:
            decision = .allow
        case .deny(let denial):
            decision = .deny(denial)
        case .askWebhook:
            decision = await askWebhook(request)
        }
        if case .deny = decision { recordFailure(request.clientIP, now: RuntimeClock.now()) }
        return decision
    }

    /// Whether `request` would be allowed by what it carries alone (static tokens or a JWT),
    /// without asking the webhook and without counting a failure: for answers that only reveal
    /// something to callers who could act (the ICE servers on OPTIONS).
    public func authorizeWithoutWebhook(_ request: AuthRequest) -> Bool {
        let policy = self.policy
        if policy.isOpen(request) { return true }
        if isBlocked(request.clientIP, now: RuntimeClock.now()) { return false }
        return policy.evaluate(request, now: Date().timeIntervalSince1970) == .allow
    }

    public func isBlocked(_ client: String, now: Instant = RuntimeClock.now()) -> Bool {
        state.withLock { $0.limiter.isBlocked(client, now: now) }
    }

    public func recordFailure(_ client: String, now: Instant = RuntimeClock.now()) {
        state.withLock { $0.limiter.recordFailure(client, now: now) }
    }

    /// Whole seconds until `client` may try again (at least 1).
    public func retryAfterSeconds(_ client: String) -> Int {
        let wait = state.withLock { $0.limiter.retryAfter(client, now: RuntimeClock.now()) }
        return max(1, Int(wait.secondsDouble.rounded(.up)))
    }

    /// The RTSP server's hooks: credentials its users and tokens do not match (a JWT or any
    /// password over Basic or `?token=`) go through `authorize` like WHIP/WHEP (JWT, static
    /// tokens, the webhook), asked off the event loop; and the failed-attempt gate. Without JWT
    /// or a webhook there is nothing to ask: RTSP keeps to its users and tokens.
    public func rtspExternalAuth() -> RTSPExternalAuth {
        let authorizer = self
        var check: (@Sendable (RTSPCredentialCheck, String) async -> RTSPCredentialVerdict)?
        if policy.requiresCredentials {
            check = { credentials, clientIP in
                let request = AuthRequest(path: credentials.path, action: credentials.access == .read ? .read : .publish,
                                          protocol: .rtsp, clientIP: clientIP, user: credentials.username,
                                          token: credentials.password)
                return authorizer.rtspVerdict(await authorizer.authorize(request), clientIP: clientIP)
            }
        }
        return RTSPExternalAuth(
            check: check,
            blockedFor: { clientIP in authorizer.isBlocked(clientIP) ? authorizer.retryAfterSeconds(clientIP) : nil },
            recordFailure: { clientIP in authorizer.recordFailure(clientIP, now: RuntimeClock.now()) })
    }

    /// RTSP's answer to a decision: 403 when valid credentials do not cover the path or action,
    /// 401 then close when the address failed too often, else 401.
    func rtspVerdict(_ decision: AuthDecision, clientIP: String) -> RTSPCredentialVerdict {
        switch decision {
        case .allow: return .allow
        case .deny(.rateLimited): return .blocked(retryAfterSeconds: retryAfterSeconds(clientIP))
        case .deny(.pathNotAllowed), .deny(.actionNotAllowed): return .forbidden
        case .deny: return .deny
        }
    }

    private func askWebhook(_ request: AuthRequest) async -> AuthDecision {
        guard let webhook else { return .deny(.webhookFailed) }
        if state.withLock({ $0.cache.allows(request, now: RuntimeClock.now()) }) { return .allow }
        let decision = await webhook.decide(request)
        if decision == .allow {
            state.withLock { $0.cache.insert(request, now: RuntimeClock.now()) }
        } else if decision == .deny(.webhookFailed) {
            // Never the token.
            logger.warning("auth webhook unreachable or too slow", metadata: ["path": "\(request.path)"])
        }
        return decision
    }
}

extension GatewayAuthorizer {
    /// The static tokens of `settings` alone (no JWT, no webhook), with its failure limits.
    public convenience init(staticTokensOf settings: HTTPSettings, logger: Logger) {
        self.init(policy: AuthPolicy(tokens: Self.staticTokens(settings)), webhook: nil, settings: settings.auth, logger: logger)
    }

    static func staticTokens(_ settings: HTTPSettings) -> StaticTokens {
        var tokens = StaticTokens(global: settings.bearerToken)
        for (path, pathTokens) in settings.pathTokens { tokens.set(path: path, publish: pathTokens.publish, read: pathTokens.read) }
        return tokens
    }
}
