import Foundation
import Runtime
@testable import Server
import Testing

@Suite struct DataServeOptionsTests {
    /// The YAML file helper of the main options tests.
    func writeConfig(_ text: String) throws -> String { try ServeOptionsTests().writeConfig(text) }

    @Test func dataDevicesFromFlagAndFile() throws {
        var options = ServeOptions()
        options.configFile = try writeConfig("paths:\n  cam: { source: demo, data: \"udp://0.0.0.0:7000?reply=10.0.0.2:7001\" }\n")
        options.dataDevices = ["live=udp://127.0.0.1:7002"]
        options.paths = ["live=demo"]
        let devices = try options.resolve().0.dataDevices
        #expect(devices.map(\.path) == ["cam", "live"])
        #expect(devices.map(\.spec.description) == ["udp://0.0.0.0:7000?reply=10.0.0.2:7001", "udp://127.0.0.1:7002"])
        options.dataDevices = ["live"]
        #expect { try options.resolve() } throws: { "\($0)".contains("NAME=udp://HOST:PORT") }
    }

    @Test func maxMessageSizeAtTheCapAndOnePast() throws {
        #expect(try ServeOptions().resolve().0.dataChannelMaxMessageSize == 262_144)
        for good in [1_024, 1_048_576] {
            var options = ServeOptions()
            options.configFile = try writeConfig("webrtc: { maxMessageSize: \(good) }\n")
            #expect(try options.resolve().0.dataChannelMaxMessageSize == good)
        }
        for bad in [1_023, 1_048_577] {
            var options = ServeOptions()
            options.configFile = try writeConfig("webrtc: { maxMessageSize: \(bad) }\n")
            #expect { try options.resolve() } throws: { "\($0)".contains("webrtc.maxMessageSize must be from 1024 to 1048576") }
        }
    }
}

@Suite struct PlayerDataPageTests {
    /// Only a path with a data device gets the marked player page (whose script then offers a data channel).
    @Test func playerPageIsMarkedOnlyWithADataDevice() throws {
        let pages = try WebPages()
        let marked = try #require(pages.playerHTML(hasDataDevice: true))
        let plain = try #require(pages.playerHTML(hasDataDevice: false))
        #expect(marked.contains("<body data-data-channel=\"1\">"))
        #expect(!plain.contains("<body data-data-channel") && plain.contains("<body>"))
        #expect(marked.count == plain.count + " data-data-channel=\"1\"".count)
    }
}
