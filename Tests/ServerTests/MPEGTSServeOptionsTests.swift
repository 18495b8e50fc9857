import Foundation
import Runtime
@testable import Server
import Testing

@Suite struct MPEGTSServeOptionsTests {
    @Test func flagAndFileTakeUDPMPEGTSSources() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rtcbridge-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("rtcbridge.yml").path
        try "paths:\n  mc: { source: \"udp+mpegts://239.0.0.1:5000?interface=lo\" }\n".write(toFile: file, atomically: true, encoding: .utf8)
        var options = ServeOptions()
        options.configFile = file
        options.paths = ["tv=udp+mpegts://0.0.0.0:1234"]
        let (gateway, _) = try options.resolve()
        #expect(gateway.paths.map(\.name) == ["mc", "tv"])
        #expect(gateway.paths.map(\.source.description) == ["udp+mpegts://239.0.0.1:5000?interface=lo", "udp+mpegts://0.0.0.0:1234"])
        options.paths = ["tv=udp+mpegts://0.0.0.0"]
        #expect { try options.resolve() } throws: { "\($0)".contains("port") }
    }
}
