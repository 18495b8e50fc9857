import Auth
import Foundation

/// JWT, webhook and failed-attempt settings (YAML `auth:`, `--jwt-*`, `--auth-webhook*`). With
/// neither JWT nor a webhook configured, only the static tokens apply, as before.
public struct AuthSettings: Sendable {
    /// JWKS document with the RS256/ES256 public keys (each with a `kid`).
    public var jwksFile: String?
    /// HS256 shared secret (at least 32 bytes).
    public var jwtSecret: String?
    /// Required `iss` and `aud` claims, when set.
    public var jwtIssuer: String?
    public var jwtAudience: String?
    /// Clock skew tolerated on `exp`/`nbf`.
    public var jwtLeewaySeconds: Double = 30
    /// URL the webhook POSTs `{path, action, protocol, ip, user, token}` to; a 2xx answer allows.
    public var webhookURL: URL?
    /// How long the webhook may take before the request is denied.
    public var webhookTimeout: Duration = .seconds(2)
    /// How long an allow answer is reused for the very same request (zero: never).
    public var webhookCacheLifetime: Duration = .zero
    /// Failed attempts per client address before it gets 429 (RTSP: 401 unchecked).
    public var failures = AuthFailureLimiter.Settings()

    public init() {}

    public var jwtEnabled: Bool { jwksFile != nil || jwtSecret != nil }
    /// Whether credentials are needed everywhere (JWT or a webhook configured).
    public var requiresCredentials: Bool { jwtEnabled || webhookURL != nil }
}
