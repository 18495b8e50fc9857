import Codecs
import Foundation
import RTCBase
import RTP
@testable import Recording
import Routing
import Testing

/// The sans-IO side of recording: reader events in, segment and fragment outputs out.
@Suite struct RecordingMuxerTests {
    static let tracks = [
        TrackInfo(id: 0, kind: .video, encodingName: "H264", clockRate: 90_000, fmtp: ["packetization-mode": "1"], payloadType: 96),
        TrackInfo(id: 1, kind: .audio, encodingName: "opus", clockRate: 48_000, channels: 2, payloadType: 111),
    ]

    /// The demo clip's SPS and PPS: the first two NAL units of its Annex-B stream.
    static func demoParameterSets() throws -> [[UInt8]] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/Runtime/Demo/demo.h264").standardizedFileURL
        let bytes = [UInt8](try Data(contentsOf: url).prefix(256))
        var starts: [Int] = []
        for i in 0..<(bytes.count - 3) where bytes[i] == 0 && bytes[i + 1] == 0 && bytes[i + 2] == 1 { starts.append(i + 3) }
        return (0..<2).map { n in
            var nal = Array(bytes[starts[n]..<(starts[n + 1] - 3)])
            while nal.last == 0 { nal.removeLast() }
            return nal
        }
    }

    /// Synthetic frames `range` (30 fps, keyframe with SPS/PPS every 30) as units, each followed
    /// by its audio (20 ms packets).
    static func demoEvents(_ range: Range<Int>) throws -> [ReaderEvent] {
        let parameterSets = try demoParameterSets()
        let idr: [UInt8] = [0x65, 0x88] + [UInt8](repeating: 7, count: 3000)
        let keyframePayloads: [[UInt8]] = parameterSets + [idr]
        let deltaPayloads: [[UInt8]] = [[0x41, 0x9A, 1, 2, 3]]
        var units: [AccessUnit] = []
        for index in 0..<range.upperBound {
            let timestamp = UInt32(index * 3000)
            let isKeyframe = index % 30 == 0
            units.append(AccessUnit(payloads: isKeyframe ? keyframePayloads : deltaPayloads, rtpTimestamp: timestamp,
                                    isKeyframe: isKeyframe))
        }
        var packetizer = H264Packetizer()
        var sequence: UInt16 = 100
        var events: [ReaderEvent] = []
        var audioTimestamp: UInt32 = 0
        for index in range {
            let arrival = Instant(nanoseconds: UInt64(index) * 33_333_333)
            let packets = packetizer.packetize(units[index], maxPayloadSize: 1200).map { payload, marker in
                defer { sequence &+= 1 }
                return RTPPacket(payloadType: 96, sequenceNumber: sequence, timestamp: units[index].rtpTimestamp, ssrc: 1,
                                 marker: marker, payload: payload)
            }
            events.append(.unit(MediaUnit(trackID: 0, packets: packets, rtpTimestamp: units[index].rtpTimestamp,
                                          isKeyframe: units[index].isKeyframe, arrival: arrival)))
            while UInt64(audioTimestamp) * 90_000 < UInt64(index + 1) * 3000 * 48_000 {
                let packet = RTPPacket(payloadType: 111, sequenceNumber: UInt16(truncatingIfNeeded: audioTimestamp / 960),
                                       timestamp: audioTimestamp, ssrc: 2, marker: false, payload: [0xFC, 0xFF, 0xFE])
                events.append(.unit(MediaUnit(trackID: 1, packets: [packet], rtpTimestamp: audioTimestamp, isKeyframe: true,
                                              arrival: arrival)))
                audioTimestamp += 960
            }
        }
        return events
    }

    static func kinds(_ outputs: [RecorderOutput]) -> [String] {
        outputs.map {
            switch $0 {
            case .startSegment(let index, _): "start\(index)"
            case .append: "append"
            case .finishSegment: "finish"
            }
        }
    }

    @Test func waitsForAKeyframeThenSplitsSegmentsOnKeyframes() throws {
        var muxer = RecorderMuxer(format: .mp4, segmentDuration: .seconds(2))
        var outputs = muxer.handle(.tracks(Self.tracks, sourceEpoch: 1))
        #expect(outputs.isEmpty)
        // Frames 10..<130: the first keyframe is frame 30; segments start at frames 30 and 90.
        for event in try Self.demoEvents(10..<130) { outputs += muxer.handle(event) }
        #expect(muxer.unitsSkipped > 20)                  // video and audio before frame 30
        #expect(Self.kinds(outputs).filter { $0 != "append" } == ["start1", "finish", "start2"])
        guard case .startSegment(_, let header) = outputs[0] else { Issue.record("no header"); return }
        #expect(Array(header[4..<8]) == Array("ftyp".utf8))
        outputs = muxer.flush()
        #expect(Self.kinds(outputs) == ["append"])
        guard case .append(let fragment) = outputs[0] else { return }
        #expect(Array(fragment[4..<8]) == Array("moof".utf8))
        #expect(Self.kinds(muxer.handle(.sourceEnded)).last == "finish")
        #expect(muxer.flush().isEmpty)
    }

    @Test func oggRecordsOnlyTheAudioAndIVFRefusesH264() throws {
        var ogg = RecorderMuxer(format: .ogg, segmentDuration: .seconds(60))
        var outputs = ogg.handle(.tracks(Self.tracks, sourceEpoch: 1))
        #expect(ogg.ignoredTracks == ["H264/90000"])
        for event in try Self.demoEvents(0..<30) { outputs += ogg.handle(event) }
        outputs += ogg.handle(.pathClosed)
        #expect(Self.kinds(outputs) == ["start1", "append", "finish"])
        guard case .startSegment(_, let header) = outputs[0], case .append(let pages) = outputs[1] else { return }
        #expect(Array(header[0..<4]) == Array("OggS".utf8) && Array(pages[0..<4]) == Array("OggS".utf8))

        var ivf = RecorderMuxer(format: .ivf, segmentDuration: .seconds(60))
        _ = ivf.handle(.tracks(Self.tracks, sourceEpoch: 1))
        #expect(ivf.ignoredTracks == ["H264/90000", "opus/48000"])
        var none: [RecorderOutput] = []
        for event in try Self.demoEvents(0..<5) { none += ivf.handle(event) }
        #expect(none.isEmpty)
    }

    @Test func aNewPublisherEndsTheSegment() throws {
        var muxer = RecorderMuxer(format: .mp4, segmentDuration: .seconds(60))
        var outputs = muxer.handle(.tracks(Self.tracks, sourceEpoch: 1))
        for event in try Self.demoEvents(0..<10) { outputs += muxer.handle(event) }
        outputs += muxer.handle(.tracks(Self.tracks, sourceEpoch: 2))
        #expect(Self.kinds(outputs).filter { $0 != "append" } == ["start1", "finish"])
    }
}
