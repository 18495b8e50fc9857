import Codecs
import RTCBase
import RTP
import Routing
import Testing
@testable import Transcode

@Suite("AAC track → derived Opus track")
struct AudioTrackTranscoderTests {
    static func aacTrack(_ config: AAC.AudioSpecificConfig, id: Int = 3) -> TrackInfo {
        let hex = config.bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        return TrackInfo(id: id, kind: .audio, encodingName: "MPEG4-GENERIC", clockRate: config.sampleRate, channels: 1,
                         fmtp: ["mode": "AAC-hbr", "sizelength": "13", "indexlength": "3", "indexdeltalength": "3",
                                "config": hex], payloadType: 97)
    }

    @Test("which tracks are transcoded: AAC with a config and G.722; Opus, G.711, video and config-less AAC are not")
    func selection() throws {
        let (_, config) = try TranscodeFixtures.aac("sine440-48k-mono.aac")
        #expect(AudioTrackTranscoder.source(for: Self.aacTrack(config)) == .aac(config))
        #expect(AudioTrackTranscoder.source(for: TrackInfo(id: 1, kind: .audio, encodingName: "G722", clockRate: 8_000, payloadType: 9)) == .g722)
        for track in [
            TrackInfo(id: 1, kind: .audio, encodingName: "opus", clockRate: 48_000, channels: 2, payloadType: 111),
            TrackInfo(id: 1, kind: .audio, encodingName: "PCMU", clockRate: 8_000, payloadType: 0),
            TrackInfo(id: 1, kind: .video, encodingName: "H264", clockRate: 90_000, payloadType: 96),
            TrackInfo(id: 1, kind: .audio, encodingName: "mpeg4-generic", clockRate: 48_000, fmtp: ["mode": "AAC-hbr"], payloadType: 97),
        ] {
            #expect(AudioTrackTranscoder.source(for: track) == nil, "\(track.encodingName)")
        }
        let output = AudioTrackTranscoder.outputTrack(for: Self.aacTrack(config))
        #expect(output.id == 3 && output.codec?.format == .opus && output.clockRate == 48_000 && output.channels == 2)
    }

    @Test("RTP mpeg4-generic units in, one 20 ms Opus unit per frame out, decodable to the tone")
    func units() throws {
        let (frames, config) = try TranscodeFixtures.aac("sine440-48k-mono.aac")
        var stage = try AudioTrackTranscoder(track: Self.aacTrack(config))
        var packetizer = AACPacketizer()
        var sequence: UInt16 = 40_000
        var out: [MediaUnit] = []
        for (index, frame) in frames.enumerated() {
            let timestamp = UInt32(index * 1_024) &+ 4_000_000_000
            let packets = packetizer.packetize(AccessUnit(payloads: [frame], rtpTimestamp: timestamp, isKeyframe: true),
                                               maxPayloadSize: 1_200).map { payload, marker in
                defer { sequence &+= 1 }
                return RTPPacket(payloadType: 97, sequenceNumber: sequence, timestamp: timestamp, ssrc: 7, marker: marker, payload: payload)
            }
            out += stage.transcode(MediaUnit(trackID: 3, packets: packets, rtpTimestamp: timestamp, isKeyframe: true,
                                             arrival: Instant(nanoseconds: UInt64(index) * 21_333_333), sourceEpoch: 2))
        }
        // A unit of another track is ignored.
        #expect(stage.transcode(MediaUnit(trackID: 1, packets: [], rtpTimestamp: 0, isKeyframe: true, arrival: Instant(nanoseconds: 0))).isEmpty)
        #expect(stage.foreignUnits == 1)
        #expect(stage.droppedPackets == 0)
        #expect(out.count == frames.count * 1_024 / 960)
        for unit in out {
            #expect(unit.trackID == 3 && unit.packets.count == 1 && unit.isKeyframe && unit.sourceEpoch == 2)
            #expect(unit.packets.first?.payloadType == AudioTrackTranscoder.opusPayloadType)
            #expect(unit.packets.first?.timestamp == unit.rtpTimestamp)
        }
        for (previous, next) in zip(out, out.dropFirst()) {
            #expect(next.packets.first?.sequenceNumber == previous.packets.first.map { $0.sequenceNumber &+ 1 })
        }
        let frames48 = out.compactMap { unit in unit.packets.first.map { OpusFrame(payload: Array($0.payload), rtpTimestamp: unit.rtpTimestamp) } }
        try OpusTranscoderTests.expectTone(frames48, channels: 2, seconds: 1)
    }
}
