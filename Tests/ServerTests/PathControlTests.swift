import Foundation
import Logging
import Routing
import Runtime
import Server
import Synchronization
import Testing

/// Records what `PathControl` asks of the gateway; refuses to start any path named in `failing`.
final class RecordingPathRuntime: PathRuntime {
    let calls = Mutex<[String]>([])
    let failing: Set<String>
    init(failing: Set<String> = []) { self.failing = failing }

    func addPath(_ definition: PathDefinition) async throws {
        calls.withLock { $0.append("add \(definition.name)=\(definition.source)") }
        if failing.contains(definition.name) { throw SourceError.unusable("cannot start \(definition.name)") }
    }
    func replacePath(_ definition: PathDefinition) async throws {
        calls.withLock { $0.append("replace \(definition.name)=\(definition.source)") }
    }
    func removePath(named name: String, reason: String) async {
        calls.withLock { $0.append("remove \(name)") }
    }
    func routingPath(named name: String) -> Path? { nil }
    var recorded: [String] { calls.withLock { $0 } }
}

@Suite struct PathControlTests {
    let logger = Logger(label: "test")

    /// A control over a config file with paths `a` (demo), `b` (publisher) and `c` (demo), plus
    /// `--path cli=demo`.
    func makeControl(_ runtime: RecordingPathRuntime) throws -> (PathControl, file: String) {
        let file = try ServeOptionsTests().writeConfig("""
            paths:
              a: { source: demo }
              b: { source: publisher }
              c: { source: demo }
            """)
        var options = ServeOptions()
        options.configFile = file
        options.paths = ["cli=demo"]
        let running = try options.resolve().0.pathDefinitions
        return (PathControl(gateway: runtime, options: options, running: running, logger: logger), file)
    }

    @Test func reloadAppliesOnlyTheDifference() async throws {
        let runtime = RecordingPathRuntime()
        let (control, file) = try makeControl(runtime)
        try """
            paths:
              a: { source: demo }
              b: { source: demo }
              d: { source: publisher }
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let report = try await control.reload()
        #expect(report.added == ["d"])
        #expect(report.removed == ["c"])
        #expect(report.changed == ["b"])
        #expect(report.unchanged == ["a", "cli"])   // the --path stays
        #expect(report.failed.isEmpty)
        #expect(runtime.recorded == ["remove c", "replace b=demo", "add d=publisher"])
        let names = await control.paths().map(\.name)
        #expect(names == ["a", "b", "cli", "d"])
    }

    @Test func anInvalidFileChangesNothing() async throws {
        let runtime = RecordingPathRuntime()
        let (control, file) = try makeControl(runtime)
        let before = await control.paths()
        for broken in ["paths: [unclosed", "paths:\n  x: { source: nosuchscheme }", "paths:\n  x: { source: missing.sdp }"] {
            try broken.write(toFile: file, atomically: true, encoding: .utf8)
            await #expect(throws: PathControl.Failure.self) { try await control.reload() }
        }
        #expect(runtime.recorded.isEmpty)
        let after = await control.paths()
        #expect(after == before)
    }

    @Test func aPathThatCannotStartIsReportedAndOthersStillApply() async throws {
        let runtime = RecordingPathRuntime(failing: ["bad"])
        let (control, file) = try makeControl(runtime)
        try "paths:\n  a: { source: demo }\n  bad: { source: demo }\n  good: { source: demo }\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let report = try await control.reload()
        #expect(report.failed.count == 1 && report.failed.first?.contains("bad") == true)
        let names = await control.paths().map(\.name)
        #expect(names == ["a", "cli", "good"])
    }

    @Test func apiAnswersConflictNotFoundAndInvalid() async throws {
        let runtime = RecordingPathRuntime()
        let (control, _) = try makeControl(runtime)
        // POST semantics: an existing name is a conflict.
        await #expect(throws: PathControl.Failure.conflict("path 'a' exists")) {
            _ = try await control.create(name: "a", .init(source: "demo"))
        }
        // Command-line paths are read-only.
        await #expect(throws: PathControl.Failure.self) { _ = try await control.put(name: "cli", .init(source: "publisher")) }
        await #expect(throws: PathControl.Failure.self) { try await control.delete(name: "cli") }
        await #expect(throws: PathControl.Failure.notFound("no path 'zz'")) { try await control.delete(name: "zz") }
        await #expect(throws: PathControl.Failure.notFound("no path 'zz'")) { _ = try await control.patch(name: "zz", .init(source: "demo")) }
        // Invalid sources, outputs and names change nothing.
        for (name, input) in [("n", PathControl.PathInput(source: "nosuchscheme")), ("n", .init(source: "missing.sdp")),
                              ("n", .init(source: "demo", forwards: ["http://x"])), ("../n", .init(source: "demo"))] {
            do {
                _ = try await control.put(name: name, input)
                Issue.record("\(name) \(input) accepted")
            } catch {
                guard case .invalid = error else { Issue.record("\(error)"); continue }
            }
        }
        #expect(runtime.recorded.isEmpty)
    }

    @Test func putAddsThenReplacesAndPatchKeepsWhatIsAbsent() async throws {
        let runtime = RecordingPathRuntime()
        let (control, _) = try makeControl(runtime)
        let added = try await control.put(name: "new", .init(source: "publisher"))
        #expect(added.created && added.status.origin == .api && added.status.source == "publisher")
        let same = try await control.put(name: "new", .init(source: "publisher"))
        #expect(!same.created)
        let replaced = try await control.put(name: "a", .init(source: "publisher"))
        #expect(!replaced.created && replaced.status.origin == .api)
        let patched = try await control.patch(name: "new", .init(forwards: ["rtp://127.0.0.1:6000"]))
        #expect(patched.source == "publisher" && patched.forwards.count == 1)
        try await control.delete(name: "new")
        #expect(runtime.recorded == ["add new=publisher", "replace a=publisher", "replace new=publisher", "remove new"])
    }

    @Test func reloadWithoutAConfigFileIsAConflict() async throws {
        let control = PathControl(gateway: RecordingPathRuntime(), options: ServeOptions(), running: [], logger: logger)
        await #expect(throws: PathControl.Failure.self) { try await control.reload() }
    }

    @Test func adminTokenAndBodyCapFromTheFile() throws {
        var options = ServeOptions()
        #expect(try options.resolveAdminToken() == nil)   // the API is off
        #expect(try options.resolveControlAPIMaxBodyBytes() == ControlAPISettings.defaultMaxBodyBytes)
        let range = ControlAPISettings.maxBodyBytesRange
        for (bytes, valid) in [(range.lowerBound, true), (range.lowerBound - 1, false), (range.upperBound, true), (range.upperBound + 1, false)] {
            options.configFile = try ServeOptionsTests().writeConfig("api: { adminToken: file-token, maxBodyBytes: \(bytes) }\n")
            #expect(try options.resolveAdminToken() == "file-token")
            if valid {
                #expect(try options.resolveControlAPIMaxBodyBytes() == bytes)
            } else {
                #expect(throws: ConfigError.self) { try options.resolveControlAPIMaxBodyBytes() }
            }
        }
        options.adminToken = "flag-token"   // the flag wins
        #expect(try options.resolveAdminToken() == "flag-token")
        options.adminToken = ""
        #expect(throws: ConfigError.self) { try options.resolveAdminToken() }
    }
}
