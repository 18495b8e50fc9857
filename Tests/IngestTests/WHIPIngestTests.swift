import Ingest
import RTCBase
import RTP
import Routing
import Testing

/// `WHIPIngest`: units per negotiated track, one simulcast layer per track, keyframe targets.
@Suite struct WHIPIngestTests {
    static let tracks = [
        TrackInfo(id: 0, kind: .audio, encodingName: "opus", clockRate: 48000, channels: 2, fmtp: [:], payloadType: 111),
        TrackInfo(id: 1, kind: .video, encodingName: "H264", clockRate: 90000, channels: nil, fmtp: [:], payloadType: 96),
    ]

    static func packet(pt: UInt8, ssrc: UInt32, seq: UInt16, payload: [UInt8] = [0x65, 1]) -> RTPPacket {
        RTPPacket(payloadType: pt, sequenceNumber: seq, timestamp: UInt32(seq) * 3000, ssrc: ssrc, marker: true, payload: payload)
    }

    @Test func forwardsTheFirstSimulcastLayerPerTrackAndCountsTheRest() {
        var ingest = WHIPIngest(tracks: Self.tracks)
        #expect(ingest.videoSSRCs.isEmpty)
        let now = Instant(nanoseconds: 1)
        #expect(ingest.receive(Self.packet(pt: 96, ssrc: 0xA, seq: 1), arrival: now).map(\.trackID) == [1])
        #expect(ingest.receive(Self.packet(pt: 96, ssrc: 0xB, seq: 1), arrival: now).isEmpty)   // the other layer
        #expect(ingest.receive(Self.packet(pt: 100, ssrc: 0xC, seq: 1), arrival: now).isEmpty)  // not negotiated
        let audio = ingest.receive(Self.packet(pt: 111, ssrc: 0xD, seq: 1, payload: [0xFC]), arrival: now)
        #expect(audio.map(\.trackID) == [0] && audio[0].isKeyframe)
        #expect(ingest.receive(Self.packet(pt: 96, ssrc: 0xA, seq: 2), arrival: now).first?.isKeyframe == true)
        #expect(ingest.ignoredPackets == 2)
        #expect(ingest.videoSSRCs == [0xA])
    }

    static func layered() -> WHIPIngest {
        WHIPIngest(tracks: tracks, simulcast: [
            SimulcastIngestLayout(payloadType: 96, rids: ["q", "h", "f"], layerTrackIDs: [10, 11, 12], streamIDExtensionID: 10),
        ])
    }

    static func packet(ssrc: UInt32, seq: UInt16, rid: String?, extensionID: UInt8 = 10,
                       payload: [UInt8] = [0x65, 1]) -> RTPPacket {
        let elements = rid.map { RTPHeaderExtensionElements(elements: [.init(id: extensionID, data: Array($0.utf8))]) }
        return RTPPacket(payloadType: 96, sequenceNumber: seq, timestamp: UInt32(seq) * 3000, ssrc: ssrc, marker: true,
                         payload: payload, headerExtension: elements?.serialized())
    }

    @Test func simulcastLayersBecomeTracksByRID() {
        var ingest = Self.layered()
        #expect(ingest.publishedTracks.map(\.id) == [0, 10, 11, 12])
        #expect(ingest.publishedTracks.compactMap(\.layer) == [
            TrackLayer(group: 1, rid: "q"), TrackLayer(group: 1, rid: "h"), TrackLayer(group: 1, rid: "f"),
        ])
        let now = Instant(nanoseconds: 1_000_000_000)
        let full = ingest.receive(Self.packet(ssrc: 0xF, seq: 1, rid: "f"), arrival: now)
        let quarter = ingest.receive(Self.packet(ssrc: 0xA, seq: 1, rid: "q"), arrival: now)
        let half = ingest.receive(Self.packet(ssrc: 0xB, seq: 1, rid: "h"), arrival: now)
        #expect(full.map(\.trackID) == [12] && quarter.map(\.trackID) == [10] && half.map(\.trackID) == [11])
        // Later packets without the extension follow their SSRC.
        let next = ingest.receive(Self.packet(ssrc: 0xA, seq: 2, rid: nil), arrival: now)
        #expect(next.map(\.trackID) == [10])
        #expect(Set(ingest.videoSSRCs) == [0xA, 0xB, 0xF])
        #expect(ingest.layerSSRC(trackID: 11) == 0xB && ingest.layerSSRC(trackID: 99) == nil)
        #expect(ingest.ignoredPackets == 0)
    }

    @Test func unknownOrMalformedLayersAreCounted() {
        var ingest = Self.layered()
        let now = Instant(nanoseconds: 1_000_000_000)
        let cases: [RTPPacket] = [
            Self.packet(ssrc: 0x1, seq: 1, rid: nil),                           // no rid, SSRC unknown
            Self.packet(ssrc: 0x2, seq: 1, rid: "x"),                           // rid not accepted
            Self.packet(ssrc: 0x3, seq: 1, rid: "q", extensionID: 9),           // other extension
            Self.packet(ssrc: 0x4, seq: 1, rid: String(repeating: "q", count: 17)),   // longer than a rid
            RTPPacket(payloadType: 96, sequenceNumber: 1, timestamp: 0, ssrc: 0x5, marker: true, payload: [0x65],
                      headerExtension: RTPHeaderExtension(profile: 0xBEDE, data: [0xA5, 0x71, 0, 0])),   // truncated element
        ]
        for packet in cases {
            let units = ingest.receive(packet, arrival: now)
            #expect(units.isEmpty)
        }
        #expect(ingest.ignoredPackets == cases.count)
        // A rid of exactly 16 bytes is read (the cap), though not one of ours here.
        var sixteen = WHIPIngest(tracks: Self.tracks, simulcast: [
            SimulcastIngestLayout(payloadType: 96, rids: [String(repeating: "r", count: 16)], layerTrackIDs: [20],
                                  streamIDExtensionID: 10),
        ])
        let atCap = sixteen.receive(Self.packet(ssrc: 0x6, seq: 1, rid: String(repeating: "r", count: 16)), arrival: now)
        #expect(atCap.map(\.trackID) == [20])
    }

    @Test func aLayerThatRestartsKeepsItsTrackAndLayerBitratesAreMeasured() {
        var ingest = Self.layered()
        var now = Instant(nanoseconds: 1_000_000_000)
        for seq in UInt16(1)...200 {
            // 10 ms apart: 1000-byte packets on f (≈ 0.8 Mbit/s), 100-byte on q; h is silent.
            _ = ingest.receive(Self.packet(ssrc: 0xF, seq: seq, rid: "f", payload: [0x65] + Array(repeating: 0, count: 987)),
                               arrival: now)
            _ = ingest.receive(Self.packet(ssrc: 0xA, seq: seq, rid: "q", payload: [0x65] + Array(repeating: 0, count: 87)),
                               arrival: now)
            now = now + .milliseconds(10)
        }
        let rates = ingest.layerBitrates(now: now)[1] ?? []
        #expect(rates.count == 3 && rates[1] == nil)
        #expect(rates[0].map { (75_000...85_000).contains($0) } == true, "q \(String(describing: rates[0]))")
        #expect(rates[2].map { (790_000...810_000).contains($0) } == true, "f \(String(describing: rates[2]))")
        let restarted = ingest.receive(Self.packet(ssrc: 0xF2, seq: 5, rid: "f"), arrival: now)
        #expect(restarted.map(\.trackID) == [12] && ingest.layerSSRC(trackID: 12) == 0xF2)
        // Two seconds of silence: every layer is gone.
        let silent = ingest.layerBitrates(now: now + .seconds(2))[1] ?? []
        #expect(silent == [nil, nil, nil])
    }
}
