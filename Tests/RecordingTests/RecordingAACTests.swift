import Codecs
import Containers
import Foundation
import RTCBase
import RTP
@testable import Recording
import Routing
import TestSupport
import Testing

/// AAC (`mpeg4-generic`, RFC 3640) recorded with H.264 into MP4: ffmpeg encodes a short ADTS
/// file, the test strips the ADTS headers and builds AAC-hbr RTP packets by hand (several AUs
/// per packet), the demo clip's H.264 goes through `H264Packetizer`; ffprobe must see h264 + aac.
@Suite struct RecordingAACTests {
    static let seconds = 3.0
    static let sampleRate = 44_100

    /// Raw AAC frames and the AudioSpecificConfig of `seconds` of a 440 Hz stereo tone.
    static func aacFrames(in directory: URL) throws -> (frames: [[UInt8]], config: [UInt8]) {
        let ffmpeg = try #require(RecordingCodecsTests.ffmpeg)
        let url = directory.appendingPathComponent("tone.aac")
        try RecordingCodecsTests.run(ffmpeg, ["-v", "error", "-y", "-f", "lavfi", "-i",
                                              "sine=frequency=440:sample_rate=\(sampleRate):duration=\(seconds)",
                                              "-ac", "2", "-c:a", "aac", "-b:a", "96k", "-f", "adts", url.path])
        let (frames, header) = AAC.rawFrames(fromADTS: [UInt8](try Data(contentsOf: url)))
        return (frames, try #require(header).audioSpecificConfig)
    }

    /// RFC 3640 §3.2.1 / §3.3.6 payloads: AU-headers-length, one 16-bit AU-header per AU
    /// (13-bit size, 3-bit index 0), then the AUs; up to `perPacket` AUs per packet.
    static func aacPackets(_ frames: [[UInt8]], perPacket: Int) -> [RTPPacket] {
        var packets: [RTPPacket] = []
        var sequence: UInt16 = 4000
        for start in stride(from: 0, to: frames.count, by: perPacket) {
            let group = frames[start..<min(start + perPacket, frames.count)]
            var payload: [UInt8] = []
            payload.appendUInt16(UInt16(16 * group.count))
            for frame in group { payload.appendUInt16(UInt16(frame.count) << 3) }
            for frame in group { payload += frame }
            packets.append(RTPPacket(payloadType: 97, sequenceNumber: sequence, timestamp: UInt32(start * AAC.samplesPerFrame),
                                     ssrc: 2, marker: true, payload: payload))
            sequence &+= 1
        }
        return packets
    }

    static func videoEvents() throws -> [(at: UInt64, event: ReaderEvent)] {
        let url = RecordingCodecsTests.testsDirectory.appendingPathComponent("../../Sources/Runtime/Demo/demo.h264")
            .standardizedFileURL
        var reader = AnnexBReader([UInt8](try Data(contentsOf: url)))
        var packetizer = H264Packetizer()
        var sequence: UInt16 = 1000
        var timed: [(at: UInt64, event: ReaderEvent)] = []
        while let unit = try reader.nextAccessUnit(), Double(unit.rtpTimestamp) < seconds * 90_000 {
            let packets = packetizer.packetize(unit, maxPayloadSize: 1100).map { payload, marker in
                defer { sequence &+= 1 }
                return RTPPacket(payloadType: 96, sequenceNumber: sequence, timestamp: unit.rtpTimestamp, ssrc: 1,
                                 marker: marker, payload: payload)
            }
            let nanoseconds = UInt64(unit.rtpTimestamp) * 1_000_000 / 90
            timed.append((nanoseconds, .unit(MediaUnit(trackID: 0, packets: packets, rtpTimestamp: unit.rtpTimestamp,
                                                        isKeyframe: unit.isKeyframe, arrival: Instant(nanoseconds: nanoseconds)))))
        }
        return timed
    }

    @Test(.enabled(if: FFprobe.isAvailable && RecordingCodecsTests.ffmpegEncoders.contains(" aac "),
                   "ffmpeg with the aac encoder is not installed"))
    func recordsH264AndAACAsPlayableMP4() throws {
        let directory = try RecordingSpecTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (frames, config) = try Self.aacFrames(in: directory)
        #expect(frames.count >= Int(Self.seconds * Double(Self.sampleRate)) / AAC.samplesPerFrame)
        #expect(config == [0x12, 0x10])   // AAC LC, 44.1 kHz, stereo

        var timed = try Self.videoEvents()
        for packet in Self.aacPackets(frames, perPacket: 3) {
            let nanoseconds = UInt64(packet.timestamp) * 1_000_000_000 / UInt64(Self.sampleRate)
            timed.append((nanoseconds, .unit(MediaUnit(trackID: 1, packets: [packet], rtpTimestamp: packet.timestamp,
                                                        isKeyframe: true, arrival: Instant(nanoseconds: nanoseconds)))))
        }
        let events = timed.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element.event)
        let tracks = [
            TrackInfo(id: 0, kind: .video, encodingName: "H264", clockRate: 90_000, fmtp: ["packetization-mode": "1"], payloadType: 96),
            TrackInfo(id: 1, kind: .audio, encodingName: "MPEG4-GENERIC", clockRate: Self.sampleRate, channels: 2,
                      fmtp: ["profile-level-id": "1", "mode": "AAC-hbr", "sizelength": "13", "indexlength": "3",
                             "indexdeltalength": "3", "config": config.hexString],
                      payloadType: 97),
        ]
        var muxer = RecorderMuxer(format: .mp4, segmentDuration: .seconds(600))
        var outputs = muxer.handle(.tracks(tracks, sourceEpoch: 1))
        for event in events { outputs += muxer.handle(event) }
        outputs += muxer.handle(.sourceEnded)
        #expect(muxer.ignoredTracks.isEmpty && muxer.muxErrors == 0, "\(muxer.ignoredTracks) \(muxer.lastMuxError ?? "")")
        var bytes: [UInt8] = []
        for case .startSegment(_, let header) in outputs { bytes = header }
        for case .append(let chunk) in outputs { bytes += chunk }
        #expect(outputs.filter { if case .startSegment = $0 { true } else { false } }.count == 1)

        let streams = try RecordingCodecsTests.probe(bytes, fileExtension: "mp4", in: directory)
        #expect(streams.map(\.codec_name) == ["h264", "aac"])
        for stream in streams {
            let duration = try #require(stream.seconds)
            #expect(abs(duration - Self.seconds) <= Self.seconds * 0.1, "\(stream.codec_name ?? "?") lasts \(duration) s")
        }
    }

    @Test func aacWithoutConfigIsIgnoredAndLATMHasNoDepacketizer() {
        var muxer = RecorderMuxer(format: .mp4, segmentDuration: .seconds(600))
        _ = muxer.handle(.tracks([
            TrackInfo(id: 0, kind: .video, encodingName: "H264", clockRate: 90_000, payloadType: 96),
            TrackInfo(id: 1, kind: .audio, encodingName: "mpeg4-generic", clockRate: 48_000, channels: 2,
                      fmtp: ["mode": "AAC-hbr"], payloadType: 97),
        ], sourceEpoch: 1))
        #expect(muxer.ignoredTracks == ["mpeg4-generic/48000 (no valid config= AudioSpecificConfig)"])
        var latm = RecorderMuxer(format: .mp4, segmentDuration: .seconds(600))
        _ = latm.handle(.tracks([
            TrackInfo(id: 1, kind: .audio, encodingName: "MP4A-LATM", clockRate: 48_000, channels: 2, payloadType: 97),
        ], sourceEpoch: 1))
        #expect(latm.ignoredTracks == ["MP4A-LATM/48000"])
    }
}
