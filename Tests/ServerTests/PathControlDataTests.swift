import Foundation
import Logging
import Routing
import Runtime
import Server
import Synchronization
import Testing

/// Keeps every definition `PathControl` hands the gateway, so a test sees the data devices.
final class DefinitionRecorder: PathRuntime {
    let calls = Mutex<[(String, PathDefinition?)]>([])

    func addPath(_ definition: PathDefinition) async throws { calls.withLock { $0.append(("add", definition)) } }
    func replacePath(_ definition: PathDefinition) async throws { calls.withLock { $0.append(("replace", definition)) } }
    func removePath(named name: String, reason: String) async {
        calls.withLock { $0.append(("remove \(name)", nil)) }
    }
    func routingPath(named name: String) -> Path? { nil }
    /// "add NAME data=…" lines, in call order.
    var recorded: [String] {
        calls.withLock { $0 }.map { verb, definition in
            guard let definition else { return verb }
            return "\(verb) \(definition.name) data=\(definition.dataDevices.map(\.description))"
        }
    }
}

/// Issue #9: a path's UDP data device is part of its definition, so reloads and the control API
/// add, change and remove it with the path.
@Suite struct PathControlDataTests {
    let logger = Logger(label: "test")

    @Test func theConfigFileDataIsPartOfThePath() throws {
        let file = try ServeOptionsTests().writeConfig("""
            paths:
              cam: { source: demo, data: "udp://127.0.0.1:7000?reply=127.0.0.1:7001" }
              tv: { source: demo }
            """)
        var options = ServeOptions()
        options.configFile = file
        let definitions = try options.resolve().0.pathDefinitions
        let cam = try #require(definitions.first { $0.name == "cam" })
        #expect(cam.dataDevices.map(\.description) == ["udp://127.0.0.1:7000?reply=127.0.0.1:7001"])
        #expect(definitions.first { $0.name == "tv" }?.dataDevices == [])
    }

    @Test func reloadAddsChangesAndRemovesTheDataDevice() async throws {
        let file = try ServeOptionsTests().writeConfig("""
            paths:
              a: { source: demo, data: "udp://127.0.0.1:7000" }
              b: { source: demo }
              c: { source: demo, data: "udp://127.0.0.1:7002" }
              d: { source: demo, data: "udp://127.0.0.1:7003" }
            """)
        var options = ServeOptions()
        options.configFile = file
        let runtime = DefinitionRecorder()
        let control = PathControl(gateway: runtime, options: options, running: try options.resolve().0.pathDefinitions,
                                  logger: logger)
        try """
            paths:
              a: { source: demo }
              b: { source: demo, data: "udp://127.0.0.1:7001" }
              c: { source: demo, data: "udp://127.0.0.1:7012" }
              d: { source: demo, data: "udp://127.0.0.1:7003" }
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let report = try await control.reload()
        #expect(report.changed == ["a", "b", "c"])
        #expect(report.unchanged == ["d"])
        #expect(runtime.recorded == ["replace a data=[]", "replace b data=[\"udp://127.0.0.1:7001\"]",
                                     "replace c data=[\"udp://127.0.0.1:7012\"]"])
        let data = await control.paths().map(\.data)
        #expect(data == [nil, "udp://127.0.0.1:7001", "udp://127.0.0.1:7012", "udp://127.0.0.1:7003"])
    }

    @Test func theAPIPutsPatchesAndRemovesTheDataDevice() async throws {
        let runtime = DefinitionRecorder()
        let control = PathControl(gateway: runtime, options: ServeOptions(), running: [], logger: logger)
        let created = try await control.put(name: "iot", .init(source: "publisher", data: "udp://0.0.0.0:7000"))
        #expect(created.created && created.status.data == "udp://0.0.0.0:7000")
        // The same definition again changes nothing; another address replaces the path.
        _ = try await control.put(name: "iot", .init(source: "publisher", data: "udp://0.0.0.0:7000"))
        let moved = try await control.patch(name: "iot", .init(data: .some("udp://0.0.0.0:7001?format=binary")))
        #expect(moved.data == "udp://0.0.0.0:7001?format=binary")
        // A patch without `data` keeps it; `data: nil` removes it.
        let kept = try await control.patch(name: "iot", .init(forwards: []))
        #expect(kept.data == "udp://0.0.0.0:7001?format=binary")
        let removed = try await control.patch(name: "iot", .init(data: .some(nil)))
        #expect(removed.data == nil)
        #expect(runtime.recorded == ["add iot data=[\"udp://0.0.0.0:7000\"]",
                                     "replace iot data=[\"udp://0.0.0.0:7001?format=binary\"]", "replace iot data=[]"])
        // A bad device is refused before anything starts.
        for bad in ["udp://0.0.0.0", "rtp://0.0.0.0:7000", "udp://0.0.0.0:7000?ttl=1"] {
            await #expect(throws: PathControl.Failure.self, "\(bad)") {
                _ = try await control.put(name: "other", .init(source: "publisher", data: bad))
            }
            await #expect(throws: PathControl.Failure.self, "\(bad)") {
                _ = try await control.patch(name: "iot", .init(data: .some(bad)))
            }
        }
        #expect(runtime.recorded.count == 3)
    }
}
