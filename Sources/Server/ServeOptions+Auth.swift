import Foundation
import RTCBase

extension ConfigFile {
    /// `auth:` — JWT (`jwt: {jwks, secret, issuer, audience, leeway}`), the webhook
    /// (`webhook: {url, timeout, cacheAllow}`) and failed attempts (`failures: {max, window, maxClients}`).
    public struct AuthSection: Decodable, Sendable {
        public struct JWT: Decodable, Sendable {
            /// JWKS file (relative to the config file's folder) with RS256/ES256 public keys.
            public var jwks: String?
            /// HS256 shared secret, at least 32 bytes.
            public var secret: String?
            public var issuer: String?
            public var audience: String?
            /// Clock skew tolerated on exp/nbf, e.g. "30s".
            public var leeway: String?
        }
        public struct Webhook: Decodable, Sendable {
            public var url: String
            /// e.g. "2s" (default).
            public var timeout: String?
            /// How long an allow answer is reused for the same request, e.g. "10s" (default: not cached).
            public var cacheAllow: String?
        }
        public struct Failures: Decodable, Sendable {
            /// Failed attempts per address within `window` before 429 (default 20).
            public var max: Int?
            /// e.g. "60s" (default).
            public var window: String?
            /// Addresses tracked at most (default 10000).
            public var maxClients: Int?
        }
        public var jwt: JWT?
        public var webhook: Webhook?
        public var failures: Failures?
    }
}

/// The command line's auth flags; they override the file.
public struct AuthOptions: Sendable {
    public var jwks: String?
    public var jwtSecret: String?
    public var jwtIssuer: String?
    public var jwtAudience: String?
    public var webhook: String?
    public var webhookTimeout: String?
    public init() {}

    func apply(to settings: inout AuthSettings) throws {
        if let jwks { settings.jwksFile = jwks }
        if let jwtSecret { settings.jwtSecret = jwtSecret }
        if let jwtIssuer { settings.jwtIssuer = jwtIssuer }
        if let jwtAudience { settings.jwtAudience = jwtAudience }
        if let webhook { settings.webhookURL = try ServeOptions.webhookURL(webhook, "--auth-webhook") }
        if let webhookTimeout {
            settings.webhookTimeout = try ServeOptions.authDuration(webhookTimeout, "--auth-webhook-timeout", max: .seconds(60))
        }
        if let secret = settings.jwtSecret, secret.utf8.count < 32 {
            throw ConfigError("the JWT secret must be at least 32 bytes")
        }
    }
}

extension ServeOptions {
    static func apply(_ section: ConfigFile.AuthSection, to settings: inout AuthSettings, file: String) throws {
        if let jwt = section.jwt {
            if let jwks = jwt.jwks {
                settings.jwksFile = jwks.hasPrefix("/") ? jwks
                    : URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(jwks).standardizedFileURL.path
            }
            settings.jwtSecret = jwt.secret
            settings.jwtIssuer = jwt.issuer
            settings.jwtAudience = jwt.audience
            if let leeway = jwt.leeway {
                settings.jwtLeewaySeconds = try authDuration(leeway, "\(file): auth.jwt.leeway", max: .seconds(600), allowZero: true).secondsDouble
            }
            guard settings.jwtEnabled else { throw ConfigError("\(file): auth.jwt needs jwks or secret") }
        }
        if let webhook = section.webhook {
            settings.webhookURL = try webhookURL(webhook.url, "\(file): auth.webhook.url")
            if let timeout = webhook.timeout {
                settings.webhookTimeout = try authDuration(timeout, "\(file): auth.webhook.timeout", max: .seconds(60))
            }
            if let cache = webhook.cacheAllow {
                settings.webhookCacheLifetime = try authDuration(cache, "\(file): auth.webhook.cacheAllow", max: .seconds(3600), allowZero: true)
            }
        }
        if let failures = section.failures {
            if let max = failures.max {
                guard (1...1_000_000).contains(max) else { throw ConfigError("\(file): auth.failures.max must be from 1 to 1000000") }
                settings.failures.maxFailures = max
            }
            if let window = failures.window {
                settings.failures.window = try authDuration(window, "\(file): auth.failures.window", max: .seconds(86_400))
            }
            if let clients = failures.maxClients {
                guard (1...10_000_000).contains(clients) else {
                    throw ConfigError("\(file): auth.failures.maxClients must be from 1 to 10000000")
                }
                settings.failures.maxClients = clients
            }
        }
    }

    /// An http(s) URL for the webhook.
    static func webhookURL(_ text: String, _ name: String) throws -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              url.host != nil else {
            throw ConfigError("\(name) '\(text)' is not an http:// or https:// URL")
        }
        return url
    }

    /// A duration like "2s" or "500ms", positive (or zero when allowed) and at most `max`.
    static func authDuration(_ text: String, _ name: String, max: Duration, allowZero: Bool = false) throws -> Duration {
        guard let value = Duration(configText: text), allowZero ? value >= .zero : value > .zero, value <= max else {
            throw ConfigError("\(name) '\(text)' is not a duration like \"2s\" (at most \(max))")
        }
        return value
    }
}
