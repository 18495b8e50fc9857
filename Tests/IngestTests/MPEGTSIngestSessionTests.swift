import Foundation
import Testing
import Codecs
import Containers
import RTCBase
import RTP
import Routing
@testable import Ingest

@Suite struct MPEGTSIngestSessionTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../ContainersTests/Fixtures").appendingPathComponent(name).standardizedFileURL
        return [UInt8](try Data(contentsOf: url))
    }

    /// Feeds the file as 7-packet datagrams, 10 ms apart; returns every output.
    static func run(_ bytes: [UInt8], configuration: MPEGTSIngestSession.Configuration = .init())
        -> (outputs: [MPEGTSIngestSession.Output], session: MPEGTSIngestSession) {
        var session = MPEGTSIngestSession(configuration: configuration, ssrcBase: 0x1000, sequenceBase: 100)
        var outputs: [MPEGTSIngestSession.Output] = []
        var now = Instant.zero
        for offset in stride(from: 0, to: bytes.count, by: 1316) {
            session.receive(Array(bytes[offset..<min(offset + 1316, bytes.count)]), now: now)
            now = now + .milliseconds(10)
            while true {
                let output = session.poll()
                if case .timeout = output { break }
                outputs.append(output)
            }
        }
        return (outputs, session)
    }

    @Test func h264AndAACBecomeTracks() throws {
        let (outputs, session) = Self.run(try Self.fixture("tiny-h264-aac.ts"))
        let attaches = outputs.compactMap { if case .attach(let tracks) = $0 { tracks } else { nil } }
        #expect(attaches.count == 1)
        let tracks = try #require(attaches.first)
        #expect(tracks.map(\.encodingName) == ["H264", "mpeg4-generic"])
        #expect(tracks.map(\.clockRate) == [90_000, 48_000])
        #expect(tracks[0].fmtp["sprop-parameter-sets"] != nil && tracks[0].fmtp["packetization-mode"] == "1")
        #expect(tracks[1].fmtp["config"] == "1188" && tracks[1].channels == 1)
        let units = outputs.compactMap { if case .publish(let unit) = $0 { unit } else { nil } }
        let video = units.filter { $0.trackID == 0 }
        // The last frame waits for a PES start that never comes (no flush on a live source).
        #expect(video.count == 4)
        #expect(video.first?.isKeyframe == true && video.first?.lacksParameterSets == false)
        #expect(video.allSatisfy { $0.packets.allSatisfy { $0.payload.count <= 1188 && $0.payloadType == 96 } })
        #expect(video.flatMap(\.packets).map(\.sequenceNumber) == (0..<UInt16(video.flatMap(\.packets).count)).map { 100 + $0 })
        let audio = units.filter { $0.trackID == 1 }
        #expect(audio.count >= 20)
        #expect(audio.allSatisfy { $0.packets.count == 1 && $0.packets[0].payloadType == 97 })
        #expect(session.stats.published == units.count)
        #expect(session.stats.demuxer.malformedUnits == 0)
    }

    @Test func h265AndOpus() throws {
        let (outputs, _) = Self.run(try Self.fixture("tiny-h265-opus.ts"))
        let tracks = outputs.compactMap { if case .attach(let tracks) = $0 { tracks } else { nil } }.first
        #expect(tracks?.map(\.encodingName) == ["H265", "opus"])
        #expect(tracks?.map(\.channels) == [nil, 2])
        let units = outputs.compactMap { if case .publish(let unit) = $0 { unit } else { nil } }
        #expect(units.first?.trackID == 0 && units.first?.isKeyframe == true)
    }

    @Test func aStreamThatNeverStartsIsLeftOutAfterTheTimeout() throws {
        // Only the video packets: the AAC stream of the PMT never sends a frame.
        let bytes = try Self.fixture("tiny-h264-aac.ts")
        var videoOnly: [UInt8] = []
        for offset in stride(from: 0, to: bytes.count, by: 188) {
            let pid = UInt16(bytes[offset + 1] & 0x1F) << 8 | UInt16(bytes[offset + 2])
            if pid != 0x101 { videoOnly += bytes[offset..<(offset + 188)] }
        }
        var configuration = MPEGTSIngestSession.Configuration()
        configuration.readyTimeout = .zero
        let (outputs, _) = Self.run(videoOnly, configuration: configuration)
        let tracks = outputs.compactMap { if case .attach(let tracks) = $0 { tracks } else { nil } }
        #expect(tracks.map { $0.map(\.encodingName) } == [["H264"]])
        // With the default timeout it waits for the audio (and the clip is only 5 frames).
        let waiting = Self.run(videoOnly)
        #expect(waiting.outputs.contains { if case .attach = $0 { true } else { false } } == false)
        #expect(waiting.session.stats.published == 0)
    }

    @Test func aSenderRestartAttachesAgain() throws {
        let bytes = try Self.fixture("tiny-h264-aac.ts")
        var session = MPEGTSIngestSession(ssrcBase: 1, sequenceBase: 1)
        var outputs: [MPEGTSIngestSession.Output] = []
        // The same 0.5 s clip twice, the second 10 s later: its PTS go back while time went on.
        for start in [Instant.zero, Instant.zero + .seconds(10)] {
            var now = start
            for offset in stride(from: 0, to: bytes.count, by: 1316) {
                session.receive(Array(bytes[offset..<min(offset + 1316, bytes.count)]), now: now)
                now = now + .milliseconds(10)
                while true {
                    let output = session.poll()
                    if case .timeout = output { break }
                    outputs.append(output)
                }
            }
        }
        let sequence = outputs.compactMap { output -> String? in
            switch output {
            case .attach: "attach"
            case .detach: "detach"
            case .event(.restarted): "restarted"
            default: nil
            }
        }
        #expect(sequence == ["attach", "restarted", "detach", "attach"])
        #expect(session.stats.restarts == 1)
        // Played at its own pace, the clip is no restart.
        #expect(Self.run(bytes).session.stats.restarts == 0)
    }

    @Test func sourceSpecs() throws {
        let unicast = try MPEGTSSourceSpec(parsing: "udp+mpegts://0.0.0.0:1234")
        #expect(unicast.host == "0.0.0.0" && unicast.port == 1234 && !unicast.isMulticast && unicast.interface == nil)
        let multicast = try MPEGTSSourceSpec(parsing: "udp+mpegts://239.1.2.3:5000?interface=eth0")
        #expect(multicast.isMulticast && multicast.interface == "eth0")
        #expect(multicast.description == "udp+mpegts://239.1.2.3:5000?interface=eth0")
        let v6 = try MPEGTSSourceSpec(parsing: "udp+mpegts://[ff02::1]:5000")
        #expect(v6.isMulticast && v6.host == "ff02::1")
        for bad in ["udp+mpegts://0.0.0.0", "udp+mpegts://0.0.0.0:0", "udp+mpegts://example.com:1234",
                    "udp+mpegts://0.0.0.0:1234?interface=eth0", "udp+mpegts://239.1.2.3:1234?ttl=3", "udp://0.0.0.0:1234"] {
            #expect(throws: SourceError.self) { try MPEGTSSourceSpec(parsing: bad) }
        }
    }
}
