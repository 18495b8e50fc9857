import RTCBase
import RTP
import Testing
@testable import Routing

/// `MediaUnit.lacksParameterSets`: found once from the payloads where the unit is built, then
/// carried unchanged through the path to every reader (none of them scans the unit again).
@Suite struct MediaUnitParameterSetTests {
    static let sps: [UInt8] = [0x67, 0x42, 0xC0, 0x1E, 0x8C, 0x8D]
    static let pps: [UInt8] = [0x68, 0xCE, 0x3C, 0x80]
    static let stapA: [UInt8] = [0x18, 0x00, UInt8(sps.count)] + sps + [0x00, UInt8(pps.count)] + pps

    static func unit(_ payloads: [[UInt8]], keyframe: Bool = true, track: TrackInfo = Fixtures.video) -> MediaUnit {
        let packets = payloads.enumerated().map { index, payload in
            RTPPacket(payloadType: 96, sequenceNumber: UInt16(index), timestamp: 3000, ssrc: 1,
                      marker: index == payloads.count - 1, payload: payload)
        }
        return MediaUnit(trackID: track.id, packets: packets, rtpTimestamp: 3000, isKeyframe: keyframe,
                         arrival: .zero, codec: track.codec)
    }

    @Test func anH264KeyframeWithoutSPSLacksItsParameterSets() {
        #expect(Self.unit([[0x65, 1], [0x65, 2]]).lacksParameterSets)
        #expect(!Self.unit([Self.stapA, [0x65, 1]]).lacksParameterSets)         // STAP-A with SPS/PPS
        #expect(!Self.unit([Self.sps, Self.pps, [0x65, 1]]).lacksParameterSets)  // single NAL unit packets
        #expect(Self.unit([Self.pps, [0x65, 1]]).lacksParameterSets)             // a PPS alone is not enough
        #expect(!Self.unit([[0x41, 1]], keyframe: false).lacksParameterSets)     // delta frames never
    }

    @Test func codecsWithoutParameterSetsAndUnknownCodecsNeverLack() {
        var vp8 = Fixtures.video
        vp8.encodingName = "VP8"
        var unknown = Fixtures.video
        unknown.encodingName = "X-UNKNOWN"
        #expect(!Self.unit([[0x10, 0, 0]], track: vp8).lacksParameterSets)
        #expect(!Self.unit([[0x65, 1]], track: unknown).lacksParameterSets)
        #expect(!Self.unit([[0xF8]], track: Fixtures.audio).lacksParameterSets)
        #expect(!MediaUnit(trackID: 1, packets: [], rtpTimestamp: 0, isKeyframe: true, arrival: .zero).lacksParameterSets)
    }

    @Test func thePathHandsEveryReaderTheFlagAsPublished() throws {
        let path = try Fixtures.router().createPath(named: "cam")
        let token = try path.attachPublisher(tracks: [Fixtures.video], requestKeyframe: {})
        let readers = try (0..<3).map { _ in try path.addReader(wake: {}) }
        // Set by hand against the payloads (an SPS is there): readers must see the published value.
        var unit = Self.unit([Self.stapA, [0x65, 1]])
        unit.lacksParameterSets = true
        path.publish(unit, token: token)
        path.publish(Self.unit([[0x65, 2]]), token: token)
        for reader in readers {
            let flags = reader.drain(max: .max).compactMap { event -> Bool? in
                if case .unit(let unit) = event { unit.lacksParameterSets } else { nil }
            }
            #expect(flags == [true, true])
        }
    }
}
