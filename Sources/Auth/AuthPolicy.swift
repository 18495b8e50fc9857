/// The sans-IO authorization core: static tokens, JWT and (through the caller) a webhook, in
/// that order. Without JWT or webhook it behaves exactly like the static tokens alone (a path
/// with no token is open); with either configured, every request needs credentials that one of
/// the providers accepts.
public struct AuthPolicy: Sendable {
    /// What to do with a request.
    public enum Evaluation: Sendable, Equatable {
        case allow
        case deny(AuthDenial)
        /// Ask the webhook (the caller does the IO); its answer is final.
        case askWebhook
    }

    public var tokens: StaticTokens
    public var jwt: JWTVerifier?
    public var webhookEnabled: Bool

    public init(tokens: StaticTokens = StaticTokens(), jwt: JWTVerifier? = nil, webhookEnabled: Bool = false) {
        self.tokens = tokens
        self.jwt = jwt
        self.webhookEnabled = webhookEnabled
    }

    /// Whether any provider beyond the static tokens is on (then nothing is open).
    public var requiresCredentials: Bool { jwt != nil || webhookEnabled }

    /// The API path of `GET /api/stats` (path and aggregate counters, no session detail).
    public static let statsPath = "api/stats"

    /// Whether `request` needs no credentials at all. With the static tokens alone: a path
    /// without a token, and `/api/stats` (open as before JWT existed, even with a global token;
    /// `/metrics` and `/api/sessions` need the global token). With JWT or a webhook configured
    /// nothing is open.
    public func isOpen(_ request: AuthRequest) -> Bool {
        guard !requiresCredentials else { return false }
        if request.protocol == .api, request.path == Self.statsPath { return true }
        return tokens.required(path: request.path, action: request.action, protocol: request.protocol) == nil
    }

    /// Decides what it can without IO, at `now` (seconds since 1970, for `exp`/`nbf`).
    public func evaluate(_ request: AuthRequest, now: Double) -> Evaluation {
        if isOpen(request) { return .allow }
        if tokens.accepts(request.token, path: request.path, action: request.action, protocol: request.protocol) {
            return .allow
        }
        guard requiresCredentials else {
            return .deny(request.token == nil ? .missingCredentials : .wrongToken)
        }
        var denial: AuthDenial = request.token == nil ? .missingCredentials : .wrongToken
        if let jwt, let token = request.token, JWTVerifier.looksLikeJWT(token) {
            switch jwt.verify(token, now: now) {
            case .success(let grant):
                guard let refused = grant.denial(path: request.path, action: request.action, protocol: request.protocol) else {
                    return .allow
                }
                denial = refused
            case .failure(let refused):
                denial = refused
            }
        }
        return webhookEnabled ? .askWebhook : .deny(denial)
    }
}
