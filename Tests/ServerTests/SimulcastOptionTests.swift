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

    @Test func maxLayersAtTheCapAndOnePast() throws {
        #expect(try ServeOptions().resolve().0.simulcastMaxLayers == 3)
        for good in [1, 8] {
            var options = ServeOptions()
            options.configFile = try writeConfig("webrtc: { simulcastMaxLayers: \(good) }\n")
            #expect(try options.resolve().0.simulcastMaxLayers == good)
        }
        for bad in [0, 9] {
            var options = ServeOptions()
            options.configFile = try writeConfig("webrtc: { simulcastMaxLayers: \(bad) }\n")
            #expect { try options.resolve() } throws: { "\($0)".contains("webrtc.simulcastMaxLayers must be from 1 to 8") }
        }
    }
}
