import Runtime
import Testing
@testable import Server

/// `webrtc: { maxPublishBitrate: … }`: the REMB cap sent to WHIP publishers, within its range.
@Suite struct MaxPublishBitrateOptionTests {
    private func writeConfig(_ text: String) throws -> String { try ServeOptionsTests().writeConfig(text) }

    @Test func maxPublishBitrateFromFileWithinItsRange() throws {
        #expect(try ServeOptions().resolve().0.maxPublishBitrate == 8_000_000)
        for good in [100_000, 2_500_000, 1_000_000_000] {
            var options = ServeOptions()
            options.configFile = try writeConfig("webrtc: { maxPublishBitrate: \(good) }\n")
            #expect(try options.resolve().0.maxPublishBitrate == good)
        }
        for bad in [99_999, 1_000_000_001, 0, -1] {
            var options = ServeOptions()
            options.configFile = try writeConfig("webrtc: { maxPublishBitrate: \(bad) }\n")
            #expect {
                try options.resolve()
            } throws: { error in
                "\(error)".contains("webrtc.maxPublishBitrate must be from 100000 to 1000000000")
            }
        }
    }
}
