import Runtime
import Testing
@testable import Server

/// `--simulcast` / `webrtc: { simulcast: true }`: off by default, either turns it on.
@Suite struct SimulcastOptionTests {
    private func writeConfig(_ text: String) throws -> String { try ServeOptionsTests().writeConfig(text) }

    @Test func offByDefaultOnFromTheFlagOrTheFile() throws {
        #expect(try ServeOptions().resolve().0.simulcast == false)
        var flag = ServeOptions()
        flag.simulcast = true
        #expect(try flag.resolve().0.simulcast == true)
        var file = ServeOptions()
        file.configFile = try writeConfig("webrtc: { simulcast: true }\n")
        #expect(try file.resolve().0.simulcast == true)
        file.configFile = try writeConfig("webrtc: { simulcast: false }\n")
        #expect(try file.resolve().0.simulcast == false)
    }
}
