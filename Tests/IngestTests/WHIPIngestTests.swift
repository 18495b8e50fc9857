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
}
