import Auth
import Foundation
import Logging
import Routing
import Runtime
import Server
import Synchronization
import Testing

/// Records the access tables `PathControl` hands the gateway, besides the path calls.
final class AccessRecordingRuntime: PathRuntime {
    let paths = RecordingPathRuntime()
    let tables = Mutex<[[String: PathAccess]]>([])

    func addPath(_ definition: PathDefinition) async throws { try await paths.addPath(definition) }
    func replacePath(_ definition: PathDefinition) async throws { try await paths.replacePath(definition) }
    func removePath(named name: String, reason: String) async { await paths.removePath(named: name, reason: reason) }
    func routingPath(named name: String) -> Path? { nil }
    func updateAccess(_ table: [String: PathAccess]) throws { tables.withLock { $0.append(table) } }
    var last: [String: PathAccess]? { tables.withLock { $0.last } }
}

/// Per-path tokens and RTSP users change on reload and through PATCH without restarting the
/// path; the authorizer checks the new tokens from then on.
@Suite struct PathAccessTests {
    let logger = Logger(label: "test")

    func request(_ path: String, token: String?) -> AuthRequest {
        AuthRequest(path: path, action: .read, protocol: .whep, clientIP: "192.0.2.1", token: token)
    }

    @Test func reloadAndPatchChangeTokensAndUsersWithoutTouchingThePath() async throws {
        let file = try ServeOptionsTests().writeConfig("""
            paths:
              a: { source: demo, readToken: old, readUsers: ["bob:pw"] }
              b: { source: demo }
            """)
        var options = ServeOptions()
        options.configFile = file
        let (configuration, http) = try options.resolve()
        let authorizer = GatewayAuthorizer(staticTokensOf: http, logger: logger)
        let runtime = AccessRecordingRuntime()
        let control = PathControl(gateway: runtime, options: options, running: configuration.pathDefinitions, logger: logger,
                                  authorizer: authorizer)
        #expect(await control.access() == ["a": PathAccess(readToken: "old", readUsers: ["bob:pw"])])
        #expect(authorizer.policy.evaluate(request("a", token: "old"), now: 0) == .allow)

        try """
            paths:
              a: { source: demo, readToken: new, publishToken: pub }
              b: { source: demo }
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let report = try await control.reload()
        #expect(report.unchanged == ["a", "b"] && report.changed.isEmpty)
        #expect(runtime.paths.recorded.isEmpty, "a path was restarted for a token change")
        #expect(runtime.last == ["a": PathAccess(readToken: "new", publishToken: "pub")])
        #expect(authorizer.policy.evaluate(request("a", token: "old"), now: 0) == .deny(.wrongToken))
        #expect(authorizer.policy.evaluate(request("a", token: "new"), now: 0) == .allow)

        // PATCH: a token on `b`, the read token of `a` removed; still no restart.
        _ = try await control.patch(name: "b", PathControl.PathPatch(readToken: .some("bee"), readUsers: ["carol:pw"]))
        _ = try await control.patch(name: "a", PathControl.PathPatch(readToken: .some(nil)))
        #expect(runtime.paths.recorded.isEmpty)
        #expect(runtime.last == ["a": PathAccess(publishToken: "pub"), "b": PathAccess(readToken: "bee", readUsers: ["carol:pw"])])
        #expect(authorizer.policy.evaluate(request("a", token: nil), now: 0) == .allow)
        #expect(authorizer.policy.evaluate(request("b", token: "bee"), now: 0) == .allow)
        #expect(authorizer.policy.evaluate(request("b", token: nil), now: 0) == .deny(.missingCredentials))

        // A user entry that is not user:password is refused (422) and changes nothing.
        let tables = runtime.tables.withLock { $0.count }
        await #expect(throws: PathControl.Failure.self) {
            _ = try await control.patch(name: "b", PathControl.PathPatch(readUsers: ["no-colon"]))
        }
        #expect(runtime.tables.withLock { $0.count } == tables)
        #expect(await control.access()["b"]?.readUsers == ["carol:pw"])
    }

    @Test func aReloadWithBadUsersChangesNothing() async throws {
        let file = try ServeOptionsTests().writeConfig("paths:\n  a: { source: demo, readToken: old }\n")
        var options = ServeOptions()
        options.configFile = file
        let runtime = AccessRecordingRuntime()
        let control = PathControl(gateway: runtime, options: options, running: try options.resolve().0.pathDefinitions, logger: logger)
        try "paths:\n  a: { source: demo, readToken: new, readUsers: [\"broken\"] }\n".write(toFile: file, atomically: true, encoding: .utf8)
        await #expect(throws: PathControl.Failure.self) { try await control.reload() }
        #expect(runtime.tables.withLock { $0.isEmpty })
        #expect(await control.access()["a"]?.readToken == "old")
    }
}
