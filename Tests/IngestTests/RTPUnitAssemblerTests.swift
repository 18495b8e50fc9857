import Ingest
import RTCBase
import RTP
import Routing
import Testing

/// `RTPUnitAssembler` finds, once per unit as it builds it, whether a keyframe lacks its
/// parameter sets (`MediaUnit.lacksParameterSets`, read by every pass-through viewer).
@Suite struct RTPUnitAssemblerTests {
    static let h264 = TrackInfo(id: 0, kind: .video, encodingName: "H264", clockRate: 90000, payloadType: 96)
    static let sps: [UInt8] = [0x67, 0x42, 0xC0, 0x1E, 0x8C, 0x8D]
    static let pps: [UInt8] = [0x68, 0xCE, 0x3C, 0x80]

    static func packets(_ payloads: [[UInt8]], timestamp: UInt32, firstSequence: UInt16) -> [RTPPacket] {
        payloads.enumerated().map { index, payload in
            RTPPacket(payloadType: 96, sequenceNumber: firstSequence &+ UInt16(index), timestamp: timestamp, ssrc: 1,
                      marker: index == payloads.count - 1, payload: payload)
        }
    }

    @Test func keyframesWithoutSPSAreMarkedOnce() {
        var assembler = RTPUnitAssembler(trackID: 0, isVideo: true, codec: Self.h264.codec)
        var units: [MediaUnit] = []
        for packet in Self.packets([[0x65, 1], [0x65, 2]], timestamp: 0, firstSequence: 1)
            + Self.packets([Self.sps, Self.pps, [0x65, 3]], timestamp: 3000, firstSequence: 3)
            + Self.packets([[0x41, 4]], timestamp: 6000, firstSequence: 6) {
            units += assembler.push(packet, arrival: .zero)
        }
        #expect(units.map(\.isKeyframe) == [true, true, false])
        #expect(units.map(\.lacksParameterSets) == [true, false, false])
    }

    @Test func audioAndUnknownCodecsNeverLackParameterSets() {
        var audio = RTPUnitAssembler(trackID: 1, isVideo: false, codec: nil)
        let units = audio.push(RTPPacket(payloadType: 111, sequenceNumber: 1, timestamp: 0, ssrc: 2, marker: true,
                                         payload: [0xF8]), arrival: .zero)
        #expect(units.map(\.lacksParameterSets) == [false])
        var unknown = RTPUnitAssembler(trackID: 0, isVideo: true, codec: nil)
        let video = Self.packets([[0x65, 1]], timestamp: 0, firstSequence: 1).flatMap { unknown.push($0, arrival: .zero) }
        #expect(video.map(\.lacksParameterSets) == [false])
    }
}
