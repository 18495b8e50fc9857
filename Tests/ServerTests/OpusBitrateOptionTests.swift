import Runtime
@testable import Server
import Testing

extension ServeOptionsTests {
    @Test func opusBitrateFromFileWithinItsCaps() throws {
        #expect(try ServeOptions().resolve().0.opusBitrate == 64_000)
        for good in [6_000, 510_000] {
            var options = ServeOptions()
            options.configFile = try writeConfig("webrtc: { opusBitrate: \(good) }\n")
            #expect(try options.resolve().0.opusBitrate == good)
        }
        for bad in [5_999, 510_001] {
            var options = ServeOptions()
            options.configFile = try writeConfig("webrtc: { opusBitrate: \(bad) }\n")
            #expect {
                try options.resolve()
            } throws: { error in
                "\(error)".contains("webrtc.opusBitrate must be from 6000 to 510000")
            }
        }
    }
}
