import Testing
import Codecs
@testable import Containers

/// The embedded demo clip (Sources/Runtime/Demo, see its README.txt) must stay exactly 10 s.
@Suite struct DemoClipTests {
    @Test func videoIs300FramesWithAKeyframeEverySecond() throws {
        var reader = AnnexBReader(try Fixtures.demo("demo.h264"))
        let units = try reader.readAll()
        #expect(units.count == 300)
        #expect(units.filter(\.isKeyframe).count == 10)
        #expect(units.indices.filter { units[$0].isKeyframe } == Array(stride(from: 0, to: 300, by: 30)))
        #expect(units.last?.rtpTimestamp == UInt32(299 * 3000))
        for unit in units where unit.isKeyframe {
            let types = unit.payloads.map { H264.nalType($0[0]) }
            #expect(types.contains(H264.NALType.sps) && types.contains(H264.NALType.pps))
        }
        // Two slices per frame (x264 slices=2).
        #expect(units.allSatisfy { $0.payloads.filter { H264.isVCL(H264.nalType($0[0])) }.count == 2 })
        let spsNAL = try #require(units.first?.payloads.first { H264.nalType($0[0]) == H264.NALType.sps })
        let sps = try H264.SequenceParameterSet(nalUnit: spsNAL[...])
        #expect([sps.width, sps.height] == [640, 360])
        #expect(sps.profileIDC == 66)
    }

    @Test func audioIs500PacketsOf20Milliseconds() throws {
        var reader = try OggOpusReader(try Fixtures.demo("demo.opus"))
        #expect(reader.head.channelCount == 2)
        #expect(reader.head.preSkip == 312)
        let packets = try reader.readAll()
        #expect(packets.count == 500)
        #expect(packets.allSatisfy { $0.sampleCount == 960 })
        #expect(packets.last?.granulePosition == 480_000)
        #expect(reader.droppedPackets == 0)
    }

    @Test func videoSurvivesRTPRoundTrip() throws {
        var reader = AnnexBReader(try Fixtures.demo("demo.h264"))
        let units = try reader.readAll()
        var packetizer = H264Packetizer()
        var depacketizer = H264Depacketizer()
        var sequence: UInt16 = 65000
        var out: [AccessUnit] = []
        var keyframePackets = 0
        for unit in units {
            for packet in packetizer.packetize(unit, maxPayloadSize: 1200) {
                if H264.isKeyframePacket(payload: packet.payload[...]) { keyframePackets += 1 }
                out += depacketizer.push(payload: packet.payload[...], sequenceNumber: sequence,
                                         rtpTimestamp: unit.rtpTimestamp, marker: packet.marker)
                sequence &+= 1
            }
        }
        #expect(out == units)
        #expect(depacketizer.droppedPackets == 0)
        // Each IDR: one STAP-A with SPS+PPS(+SEI) and the first fragment of each of two IDR slices.
        #expect(keyframePackets >= 10)
    }
}
