import Auth
import Logging
import RTSP
import Testing
@testable import Server

/// The RTSP server's hook into the gateway's authorizer: credentials it cannot check itself go
/// through `authorize` (static tokens, JWT, webhook) and come back as an RTSP verdict; failures
/// count per address until it is blocked.
@Suite struct RTSPExternalAuthTests {
    let logger = Logger(label: "test")

    func authorizer(maxFailures: Int = 20) async throws -> GatewayAuthorizer {
        var settings = HTTPSettings()
        settings.pathTokens = ["cam": PathTokens(read: "view")]
        settings.auth.jwtSecret = String(repeating: "s", count: 32)   // JWT on: RTSP asks the authorizer
        settings.auth.failures.maxFailures = maxFailures
        return try await GatewayAuthorizer.make(settings, logger: logger)
    }

    @Test func verdictsAndTheGate() async throws {
        let authorizer = try await authorizer(maxFailures: 2)
        let hooks = authorizer.rtspExternalAuth()
        let check = try #require(hooks.check)
        let good = RTSPCredentialCheck(path: "cam", access: .read, username: "any", password: "view")
        #expect(await check(good, "192.0.2.1") == .allow)
        let wrong = RTSPCredentialCheck(path: "cam", access: .read, username: nil, password: "nope")
        #expect(await check(wrong, "192.0.2.1") == .deny)
        #expect(hooks.blockedFor("192.0.2.1") == nil)
        #expect(await check(wrong, "192.0.2.1") == .deny)
        // Two failures: blocked, even with the right token; another address is not.
        if case .blocked(let seconds) = await check(good, "192.0.2.1") { #expect(seconds > 0) } else {
            Issue.record("not blocked after two failures")
        }
        #expect((hooks.blockedFor("192.0.2.1") ?? 0) > 0)
        #expect(await check(good, "192.0.2.2") == .allow)
    }

    @Test func validCredentialsThatDoNotCoverThePathAre403() async throws {
        let authorizer = try await authorizer()
        #expect(authorizer.rtspVerdict(.deny(.pathNotAllowed), clientIP: "x") == .forbidden)
        #expect(authorizer.rtspVerdict(.deny(.actionNotAllowed), clientIP: "x") == .forbidden)
        #expect(authorizer.rtspVerdict(.deny(.webhookDenied), clientIP: "x") == .deny)
        #expect(authorizer.rtspVerdict(.deny(.webhookFailed), clientIP: "x") == .deny)
        #expect(authorizer.rtspVerdict(.allow, clientIP: "x") == .allow)
    }

    @Test func withStaticTokensAloneRTSPAsksNothing() {
        var settings = HTTPSettings()
        settings.bearerToken = "global"
        let hooks = GatewayAuthorizer(staticTokensOf: settings, logger: logger).rtspExternalAuth()
        #expect(hooks.check == nil)
    }
}
