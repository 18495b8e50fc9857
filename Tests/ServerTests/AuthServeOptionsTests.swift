import Auth
import Foundation
@testable import Server
import Testing

/// Issue #12: the `auth:` section and the `--jwt-*` / `--auth-webhook*` flags.
extension ServeOptionsTests {
    @Test func authSectionFromTheFileAndFlagsOverIt() throws {
        let file = try writeConfig("""
            auth:
              jwt: { jwks: keys.json, secret: "0123456789abcdef0123456789abcdef", issuer: "iss", audience: "aud", leeway: "10s" }
              webhook: { url: "http://127.0.0.1:9000/auth", timeout: "500ms", cacheAllow: "5s" }
              failures: { max: 3, window: "30s", maxClients: 100 }
            paths:
              demo: { source: demo }
            """)
        var options = ServeOptions()
        options.configFile = file
        let auth = try options.resolve().1.auth
        #expect(auth.jwksFile == URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("keys.json").path)
        #expect(auth.jwtIssuer == "iss" && auth.jwtAudience == "aud" && auth.jwtLeewaySeconds == 10)
        #expect(auth.webhookURL?.absoluteString == "http://127.0.0.1:9000/auth")
        #expect(auth.webhookTimeout == .milliseconds(500) && auth.webhookCacheLifetime == .seconds(5))
        #expect(auth.failures == AuthFailureLimiter.Settings(maxFailures: 3, window: .seconds(30), maxClients: 100))
        #expect(auth.requiresCredentials)
        options.auth.webhookTimeout = "1s"
        options.auth.jwtIssuer = "other"
        let overridden = try options.resolve().1.auth
        #expect(overridden.webhookTimeout == .seconds(1) && overridden.jwtIssuer == "other")
    }

    @Test func badAuthSettingsAreRefused() throws {
        var options = ServeOptions()
        options.paths = ["demo=demo"]
        options.auth.jwtSecret = "short"
        #expect(throws: ConfigError.self) { try options.resolve() }
        options.auth.jwtSecret = nil
        options.auth.webhook = "ftp://example.test/auth"
        #expect(throws: ConfigError.self) { try options.resolve() }
        options.auth.webhook = "http://127.0.0.1:9/auth"
        options.auth.webhookTimeout = "0s"
        #expect(throws: ConfigError.self) { try options.resolve() }
        let file = try writeConfig("""
            auth: { jwt: { issuer: "iss" } }
            """)
        var fromFile = ServeOptions()
        fromFile.configFile = file
        #expect(throws: ConfigError.self) { try fromFile.resolve() }
    }
}
