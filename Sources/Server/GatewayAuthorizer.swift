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
        var limiter: AuthFailureLimiter
        var cache: WebhookAllowCache
    }

    public let policy: AuthPolicy
    let webhook: AuthWebhookClient?
    let logger: Logger
    private let state: Mutex<State>

    init(policy: AuthPolicy, webhook: AuthWebhookClient?, settings: AuthSettings, logger: Logger) {
        self.policy = policy
        self.webhook = webhook
        self.logger = logger
        state = Mutex(State(limiter: AuthFailureLimiter(settings: settings.failures),
                            cache: WebhookAllowCache(lifetime: settings.webhookCacheLifetime)))
    }

    /// Whether JWTs are checked (keys or a secret configured).
    public var usesJWT: Bool { policy.jwt != nil }

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

    /// The synchronous part only (RTSP Basic passwords): static tokens and JWT. A request that
    /// would need the webhook is refused (the RTSP server cannot wait for it). Not counted here:
    /// the RTSP connection counts the failed attempt itself.
    public func authorizeWithoutWebhook(_ request: AuthRequest) -> Bool {
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

    /// The RTSP server's hooks: JWT passwords over Basic (when JWT is configured; the webhook is
    /// not asked for RTSP), and the failed-attempt gate.
    public func rtspExternalAuth() -> RTSPExternalAuth {
        let authorizer = self
        var check: (@Sendable (String, RTSPAccess, String, String, String) -> Bool)?
        if policy.requiresCredentials {
            check = { path, access, user, password, clientIP in
                let action: AuthAction = access == .read ? .read : .publish
                let request = AuthRequest(path: path, action: action, protocol: .rtsp, clientIP: clientIP, user: user, token: password)
                return authorizer.authorizeWithoutWebhook(request)
            }
        }
        return RTSPExternalAuth(
            checkPassword: check,
            isBlocked: { clientIP in authorizer.isBlocked(clientIP, now: RuntimeClock.now()) },
            recordFailure: { clientIP in authorizer.recordFailure(clientIP, now: RuntimeClock.now()) })
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
