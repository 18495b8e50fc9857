import Codecs
import Foundation
import Logging
import NIOEmbedded
import RTCBase
import RTP
import Routing
@testable import Runtime
import Testing

@Suite("AAC → Opus relay per path")
struct AudioTranscodeRelayTests {
    /// The 48 kHz mono AAC clip of the Transcode tests, as raw frames and its AudioSpecificConfig.
    static func clip() throws -> (frames: [[UInt8]], config: AAC.AudioSpecificConfig) {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TranscodeTests/Fixtures/sine440-48k-mono.aac")
        let (frames, header) = AAC.rawFrames(fromADTS: [UInt8](try Data(contentsOf: file)))
        return (frames, try AAC.AudioSpecificConfig(bytes: try #require(header).audioSpecificConfig))
    }

    @Test("viewers of a path share one relay: Opus audio and untouched video on the derived path; it stops after the last")
    func sharedRelay() throws {
        let loop = EmbeddedEventLoop()
        let router = Router(limits: RoutingLimits(), clock: { RuntimeClock.now() })
        let path = try router.createPath(named: "cam")
        let (frames, config) = try Self.clip()
        let hex = config.bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        let tracks = [
            TrackInfo(id: 0, kind: .video, encodingName: "H264", clockRate: 90_000, fmtp: ["packetization-mode": "1"], payloadType: 96),
            TrackInfo(id: 1, kind: .audio, encodingName: "mpeg4-generic", clockRate: 48_000, channels: 1,
                      fmtp: ["mode": "AAC-hbr", "sizelength": "13", "indexlength": "3", "indexdeltalength": "3", "config": hex],
                      payloadType: 97),
        ]
        let token = try path.attachPublisher(tracks: tracks) {}
        let relays = TranscodeRelays()
        let logger = Logger(label: "relay-test")
        func acquire() throws -> TranscodeRelays.Lease {
            try relays.acquire(path) { () throws(RoutingError) in
                try AudioTranscodeRelay(source: path, limits: router.limits, eventLoop: loop, configuration: .init(), logger: logger)
            }
        }
        #expect(AudioTranscodeRelay.needed(for: tracks))
        #expect(AudioTranscodeRelay.viewerTracks(tracks).map(\.encodingName) == ["H264", "opus"])
        let first = try acquire()
        let second = try acquire()
        #expect(first.relay === second.relay && relays.count == 1)
        loop.run()
        let derived = first.relay.derived
        #expect(derived.tracks?.map(\.encodingName) == ["H264", "opus"])
        #expect(path.stats.readers == 1, "one source reader for both viewers")
        let viewer = try derived.addReader(wake: {})

        let video = MediaUnit(trackID: 0, packets: [RTPPacket(payloadType: 96, sequenceNumber: 1, timestamp: 0, ssrc: 5, marker: true,
                                                              payload: [0x65, 0x88, 0x84, 0x00])],
                              rtpTimestamp: 0, isKeyframe: true, arrival: RuntimeClock.now())
        path.publish(video, token: token)
        var packetizer = AACPacketizer()
        for (index, frame) in frames.prefix(20).enumerated() {
            let timestamp = UInt32(index * 1_024)
            let packets = packetizer.packetize(AccessUnit(payloads: [frame], rtpTimestamp: timestamp, isKeyframe: true), maxPayloadSize: 1_200)
                .map { RTPPacket(payloadType: 97, sequenceNumber: UInt16(index), timestamp: timestamp, ssrc: 6, marker: $0.marker, payload: $0.payload) }
            path.publish(MediaUnit(trackID: 1, packets: packets, rtpTimestamp: timestamp, isKeyframe: true, arrival: RuntimeClock.now()),
                         token: token)
        }
        loop.run()
        let events = viewer.drain(max: 100)
        var videoUnits: [MediaUnit] = [], audioUnits: [MediaUnit] = []
        for case .unit(let unit) in events { if unit.trackID == 0 { videoUnits.append(unit) } else { audioUnits.append(unit) } }
        #expect(videoUnits.map(\.packets) == [video.packets], "video passes untouched")
        #expect(audioUnits.count == 20 * 1_024 / 960, "20 AAC frames → 21 Opus frames")
        #expect(audioUnits.allSatisfy { $0.packets.count == 1 && $0.packets.first?.payloadType == 111 })

        // The source restarts: the derived path follows (no publisher, then the new tracks again).
        path.detachPublisher(token)
        loop.run()
        #expect(derived.tracks == nil)
        _ = try path.attachPublisher(tracks: tracks) {}
        loop.run()
        #expect(derived.tracks?.map(\.encodingName) == ["H264", "opus"])
        let afterRestart = viewer.drain(max: 100)
        #expect(afterRestart.contains { if case .sourceEnded = $0 { true } else { false } })
        #expect(afterRestart.contains { if case .tracks = $0 { true } else { false } })

        first.release()
        first.release()   // a lease releases once
        #expect(relays.count == 1)
        second.release()
        #expect(relays.count == 0)
        loop.run()
        #expect(derived.isClosed && !viewer.isOpen)
        #expect(path.stats.readers == 0, "the relay left the source path")
        let third = try acquire()
        #expect(third.relay !== first.relay)
        third.release()
        loop.run()
    }
}
