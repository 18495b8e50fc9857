import Testing
@testable import Codecs

/// ffmpeg-encoded clips (Fixtures/README.txt) packetized and depacketized byte-exact.
@Suite struct RealBitstreamTests {
    @Test(arguments: [1200, 100])
    func vp9Clip(maxPayloadSize: Int) throws {
        let frames = CodecFixtures.ivfFrames(try CodecFixtures.load("tiny-vp9.ivf"))
        #expect(frames.count >= 8)
        let units = frames.enumerated().map { index, frame in
            AccessUnit(payloads: [frame], rtpTimestamp: UInt32(index) * 9000,
                       isKeyframe: (try? VP9.FrameHeader(parsing: frame[...]))?.isKeyframe ?? false)
        }
        #expect(units.map(\.isKeyframe).filter { $0 }.count >= 2)  // -g 4
        var packetizer = VP9Packetizer()
        var depacketizer = VP9Depacketizer()
        let result = roundTrip(units, packetizer: &packetizer, depacketizer: &depacketizer, maxPayloadSize: maxPayloadSize)
        #expect(result.delivered == units)
        #expect(result.packets.allSatisfy { $0.payload.count <= maxPayloadSize })
        #expect(depacketizer.scalabilityStructure?.resolutions == [.init(width: 64, height: 48)])
        #expect(VP9.isKeyframePacket(result.packets[0].payload[...]))
    }

    @Test(arguments: [1200, 100])
    func av1Clip(maxPayloadSize: Int) throws {
        let frames = CodecFixtures.ivfFrames(try CodecFixtures.load("tiny-av1.ivf"))
        #expect(frames.count >= 8)
        var packetizer = AV1Packetizer()
        var depacketizer = AV1Depacketizer()
        let units = frames.enumerated().map { index, frame in
            AccessUnit(payloads: [frame], rtpTimestamp: UInt32(index) * 9000, isKeyframe: false)
        }
        let result = roundTrip(units, packetizer: &packetizer, depacketizer: &depacketizer, maxPayloadSize: maxPayloadSize)
        // The concatenated OBUs are the IVF frame again: TD, OBUs with minimal obu_size.
        #expect(result.delivered.map { $0.payloads.flatMap { $0 } } == frames)
        #expect(result.delivered.first?.isKeyframe == true)
        #expect(result.packets.allSatisfy { $0.payload.count <= maxPayloadSize })
        #expect(result.packets.filter { AV1.isKeyframePacket($0.payload[...]) }.count
                == result.delivered.filter(\.isKeyframe).count)
    }

    @Test(arguments: [1200, 100])
    func h265Clip(maxPayloadSize: Int) throws {
        let nalUnits = CodecFixtures.annexBNALUnits(try CodecFixtures.load("tiny-h265.hevc"))
        let groups = CodecFixtures.h265AccessUnits(nalUnits)
        #expect(groups.count == 8)
        let units = groups.enumerated().map { index, nals in
            AccessUnit(payloads: nals, rtpTimestamp: UInt32(index) * 9000,
                       isKeyframe: nals.contains { H265.isIRAP(H265.nalType($0[0])) })
        }
        // Decoding order: IDR_N_LP, then a CRA followed by its RASL/TRAIL pictures (B-frames).
        #expect(units.map(\.isKeyframe) == [true, true, false, false, false, false, false, false])
        var packetizer = H265Packetizer()
        var depacketizer = H265Depacketizer()
        let result = roundTrip(units, packetizer: &packetizer, depacketizer: &depacketizer, maxPayloadSize: maxPayloadSize)
        #expect(result.delivered == units)
        #expect(result.packets.allSatisfy { $0.payload.count <= maxPayloadSize })

        // Without in-band parameter sets on the CRA, the cached ones come back.
        var stripped = units
        stripped[1].payloads.removeAll { H265.isParameterSet(H265.nalType($0[0])) }
        var second = H265Depacketizer()
        let restored = roundTrip(stripped, packetizer: &packetizer, depacketizer: &second,
                                 maxPayloadSize: maxPayloadSize).delivered
        let parameterSets = units[0].payloads.filter { H265.isParameterSet(H265.nalType($0[0])) }
        #expect(parameterSets.count == 3)
        #expect(restored[1].payloads.filter { H265.isParameterSet(H265.nalType($0[0])) } == parameterSets)
        #expect(restored[1].payloads.count == units[1].payloads.count)
    }
}
