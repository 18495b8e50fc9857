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

    /// Decides what it can without IO, at `now` (seconds since 1970, for `exp`/`nbf`).
    public func evaluate(_ request: AuthRequest, now: Double) -> Evaluation {
        let required = tokens.required(path: request.path, action: request.action, protocol: request.protocol)
        if tokens.accepts(request.token, path: request.path, action: request.action, protocol: request.protocol) {
            return .allow
        }
        guard requiresCredentials else {
            if required == nil { return .allow }
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
