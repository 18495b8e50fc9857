import Testing
@testable import Codecs

/// TOC byte layout and frame sizes from RFC 6716 §3.1 (Table 2) and frame counts from §3.2.
@Suite struct OpusTests {
    @Test func tocFields() {
        let toc = Opus.TOC(0xfc)  // config 31, stereo, code 0
        #expect(toc.configuration == 31)
        #expect(toc.isStereo)
        #expect(toc.frameCountCode == 0)
        #expect(toc.mode == .celt)
        #expect(toc.samplesPerFrame == 960)
        #expect(Opus.TOC(0x08 << 3).mode == .silk)
        #expect(Opus.TOC(13 << 3).mode == .hybrid)
    }

    @Test func samplesPerFrameForEveryConfiguration() {
        let expected = [480, 960, 1920, 2880, 480, 960, 1920, 2880, 480, 960, 1920, 2880,
                        480, 960, 480, 960,
                        120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960]
        for config in 0..<32 {
            #expect(Opus.TOC(UInt8(config) << 3).samplesPerFrame == expected[config], "config \(config)")
        }
    }

    @Test func packetSampleCounts() throws {
        #expect(try Opus.sampleCount([0xfc, 0xff, 0xfe][...]) == 960)               // 20 ms CELT, 1 frame
        #expect(try Opus.sampleCount([0xfd, 0x01][...]) == 1920)                    // code 1: 2 frames
        #expect(try Opus.sampleCount([0xfe, 0x01][...]) == 1920)                    // code 2: 2 frames
        #expect(try Opus.sampleCount([0xff, 0x03][...]) == 2880)                    // code 3: M=3
        #expect(try Opus.sampleCount([0x1b, 0x02][...]) == 5760)                    // 60 ms SILK x 2 = 120 ms
        #expect(try Opus.sampleCount([0x1b | 0x03 << 0, 0x02][...]) == 5760)
    }

    @Test func packetSampleCountErrors() throws {
        #expect(throws: CodecParseError.truncated(field: "Opus TOC")) { try Opus.sampleCount([][...]) }
        #expect(throws: CodecParseError.truncated(field: "Opus frame count byte")) { try Opus.sampleCount([0xff][...]) }
        #expect(throws: CodecParseError.invalidValue(field: "Opus frame count", value: 0)) {
            try Opus.sampleCount([0xff, 0x00][...])
        }
        // 48 x 2.5 ms = 120 ms is the cap; 49 frames is one past it.
        #expect(try Opus.sampleCount([0x83, 48][...]) == 5760)
        #expect(throws: CodecParseError.limitExceeded(field: "Opus packet duration (samples)", value: 5880,
                                                      limit: 5760)) {
            try Opus.sampleCount([0x83, 49][...])
        }
    }

    @Test func passThroughRoundTrip() {
        var packetizer = FramePacketizer()
        var depacketizer = FrameDepacketizer()
        let unit = AccessUnit(payloads: [[0xfc, 1, 2, 3]], rtpTimestamp: 960, isKeyframe: true)
        let packets = packetizer.packetize(unit, maxPayloadSize: 1200)
        #expect(packets.map(\.payload) == [[0xfc, 1, 2, 3]])
        #expect(packets.map(\.marker) == [false])
        #expect(packetizer.packetize(unit, maxPayloadSize: 3).isEmpty)
        let out = depacketizer.push(payload: packets[0].payload[...], sequenceNumber: 1, rtpTimestamp: 960, marker: false)
        #expect(out == [unit])
        #expect(depacketizer.push(payload: [][...], sequenceNumber: 2, rtpTimestamp: 1920, marker: false).isEmpty)
        #expect(depacketizer.droppedPackets == 1)
    }

    @Test func frameDepacketizerCap() {
        var depacketizer = FrameDepacketizer(limits: DepacketizerLimits(maxAccessUnitBytes: 100))
        #expect(depacketizer.push(payload: Array(repeating: 1, count: 100)[...], sequenceNumber: 0, rtpTimestamp: 0,
                                  marker: false).count == 1)
        #expect(depacketizer.push(payload: Array(repeating: 1, count: 101)[...], sequenceNumber: 1, rtpTimestamp: 0,
                                  marker: false).isEmpty)
        #expect(depacketizer.droppedPackets == 1)
    }
}
