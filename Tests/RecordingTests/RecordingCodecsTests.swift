import Codecs
import Containers
import Foundation
import RTCBase
import RTP
@testable import Recording
import Routing
import Testing
import TestSupport

/// Real H.265, VP9 and AV1 clips (made by ffmpeg when it has the encoder, else the small codec
/// fixtures) packetized into RTP, recorded by the muxer with the demo Opus track, and read back
/// by ffprobe: codec, picture size and durations.
@Suite(.serialized) struct RecordingCodecsTests {
    /// A video clip as access units in decode order, 90 kHz timestamps.
    struct Clip {
        var encodingName: String
        var units: [AccessUnit]
        var width: Int
        var height: Int
        /// Seconds the video lasts (frame count times frame duration).
        var seconds: Double
        /// False for the H.265 fixture: it has B-frames, which the recording stores in decode
        /// order without composition offsets (WebRTC senders do not use them).
        var decodesInOrder = true
    }

    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let fixtures = testsDirectory.appendingPathComponent("../CodecsTests/Fixtures").standardizedFileURL
    static let demoOpus = testsDirectory.appendingPathComponent("../../Sources/Runtime/Demo/demo.opus").standardizedFileURL

    static let ffmpeg = ["/usr/bin/ffmpeg", "/usr/local/bin/ffmpeg"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The encoders ffmpeg lists, read once.
    static let ffmpegEncoders: String = {
        guard let ffmpeg, let output = try? run(ffmpeg, ["-hide_banner", "-encoders"]) else { return "" }
        return output
    }()

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let (data, errors) = try FFprobe.run(executable, arguments)
        return String(decoding: data, as: UTF8.self) + errors
    }

    /// 2 s of 320x180 at 30 fps with a keyframe each second, or nil without the encoder.
    static func generate(encoder: String, arguments: [String], fileExtension: String,
                         in directory: URL) throws -> [UInt8]? {
        guard let ffmpeg, ffmpegEncoders.contains(" \(encoder) ") else { return nil }
        let url = directory.appendingPathComponent("clip.\(fileExtension)")
        try run(ffmpeg, ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-t", "2",
                         "-pix_fmt", "yuv420p", "-c:v", encoder, "-threads", "1"] + arguments + [url.path])
        return [UInt8](try Data(contentsOf: url))
    }

    static func clip(_ encodingName: String, in directory: URL) throws -> Clip {
        switch encodingName {
        case "H265":
            let generated = try generate(encoder: "libx265", arguments: [
                "-preset", "ultrafast",
                "-x265-params", "keyint=30:min-keyint=30:scenecut=0:bframes=0:repeat-headers=1:log-level=error",
                "-f", "hevc",
            ], fileExtension: "hevc", in: directory)
            if let generated {
                let units = h265AccessUnits(annexB: generated, frameTicks: 3000)
                return Clip(encodingName: "H265", units: units, width: 320, height: 180, seconds: Double(units.count) / 30)
            }
            let fixture = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("tiny-h265.hevc")))
            let units = h265AccessUnits(annexB: fixture, frameTicks: 9000)
            return Clip(encodingName: "H265", units: units, width: 64, height: 48, seconds: Double(units.count) / 10,
                        decodesInOrder: false)
        case "VP9":
            let generated = try generate(encoder: "libvpx-vp9", arguments: [
                "-deadline", "realtime", "-cpu-used", "8", "-g", "30", "-b:v", "300k", "-f", "ivf",
            ], fileExtension: "ivf", in: directory)
            return try ivfClip("VP9", generated ?? [UInt8](Data(contentsOf: fixtures.appendingPathComponent("tiny-vp9.ivf"))))
        default:
            let generated = try generate(encoder: "libaom-av1", arguments: [
                "-usage", "realtime", "-cpu-used", "8", "-g", "30", "-b:v", "300k", "-f", "ivf",
            ], fileExtension: "ivf", in: directory)
            return try ivfClip("AV1", generated ?? [UInt8](Data(contentsOf: fixtures.appendingPathComponent("tiny-av1.ivf"))))
        }
    }

    /// IVF frames as access units: VP9 frames whole, AV1 temporal units split into their OBUs.
    static func ivfClip(_ encodingName: String, _ bytes: [UInt8]) throws -> Clip {
        var reader = try IVFReader(bytes)
        let header = reader.header
        let frames = try reader.readAll()
        var units: [AccessUnit] = []
        for frame in frames {
            let timestamp = UInt32(truncatingIfNeeded: frame.timestamp * 90_000 * UInt64(header.timebaseNumerator)
                / UInt64(header.timebaseDenominator))
            if encodingName == "VP9" {
                let keyframe = (try? VP9.FrameHeader(parsing: frame.data[...]))?.isKeyframe ?? false
                units.append(AccessUnit(payloads: [frame.data], rtpTimestamp: timestamp, isKeyframe: keyframe))
            } else {
                var obus: [[UInt8]] = []
                var rest = frame.data[...]
                while !rest.isEmpty {
                    let obu = try AV1.OBU(parsing: rest)
                    obus.append(Array(rest[..<obu.endIndex]))
                    rest = rest[obu.endIndex...]
                }
                let keyframe = obus.contains { $0.first.map(AV1.obuType) == AV1.OBUType.sequenceHeader }
                units.append(AccessUnit(payloads: obus, rtpTimestamp: timestamp, isKeyframe: keyframe))
            }
        }
        // Constant frame rate: the span of the timestamps plus one frame.
        let span = Double((units.last?.rtpTimestamp ?? 0) &- (units.first?.rtpTimestamp ?? 0))
        let seconds = units.count > 1 ? span / Double(units.count - 1) * Double(units.count) / 90_000 : 0
        return Clip(encodingName: encodingName, units: units, width: header.width, height: header.height, seconds: seconds)
    }

    /// Splits an H.265 Annex-B stream into access units (ITU-T H.265 §7.4.2.4.4): a new one
    /// starts at a VPS/SPS/PPS/AUD/prefix SEI or a first slice segment following a slice.
    /// Timestamps step `frameTicks` (90 kHz); keyframes are IRAP pictures.
    static func h265AccessUnits(annexB bytes: [UInt8], frameTicks: Int) -> [AccessUnit] {
        var nalUnits: [[UInt8]] = []
        var start: Int?
        var index = 0
        while index + 2 < bytes.count {
            if bytes[index] == 0, bytes[index + 1] == 0, bytes[index + 2] == 1 {
                if let start { nalUnits.append(trimmed(bytes[start..<index])) }
                index += 3
                start = index
            } else {
                index += 1
            }
        }
        if let start { nalUnits.append(trimmed(bytes[start...])) }
        var units: [AccessUnit] = []
        var current: [[UInt8]] = []
        var hasSlice = false
        func close() {
            guard !current.isEmpty else { return }
            let keyframe = current.contains { H265.isIRAP(H265.nalType($0[0])) }
            units.append(AccessUnit(payloads: current, rtpTimestamp: UInt32(units.count * frameTicks), isKeyframe: keyframe))
            current = []
            hasSlice = false
        }
        for nal in nalUnits where nal.count >= 2 {
            let type = H265.nalType(nal[0])
            let startsUnit = H265.isVCL(type) ? H265.isFirstSliceSegment(nal[...]) == true
                : (32...35).contains(type) || type == H265.prefixSEI
            if hasSlice, startsUnit { close() }
            hasSlice = hasSlice || H265.isVCL(type)
            current.append(nal)
        }
        close()
        return units
    }

    static func trimmed(_ slice: ArraySlice<UInt8>) -> [UInt8] {
        var nal = Array(slice)
        while nal.last == 0 { nal.removeLast() }
        return nal
    }

    /// The clip packetized by the codec's packetizer and the demo Opus packets covering the same
    /// time, as reader events in arrival order (arrival = media time).
    static func events(for clip: Clip) throws -> [ReaderEvent] {
        let descriptor = try #require(CodecRegistry.descriptor(forEncodingName: clip.encodingName))
        var packetizer = try #require(descriptor.makePacketizer())
        var timed: [(at: UInt64, event: ReaderEvent)] = []
        var sequence: UInt16 = 1000
        for unit in clip.units {
            let packets = packetizer.packetize(unit, maxPayloadSize: 1100).map { payload, marker in
                defer { sequence &+= 1 }
                return RTPPacket(payloadType: 96, sequenceNumber: sequence, timestamp: unit.rtpTimestamp, ssrc: 1,
                                 marker: marker, payload: payload)
            }
            #expect(!packets.isEmpty)
            let nanoseconds = UInt64(unit.rtpTimestamp) * 1_000_000 / 90
            timed.append((nanoseconds, .unit(MediaUnit(trackID: 0, packets: packets, rtpTimestamp: unit.rtpTimestamp,
                                                        isKeyframe: unit.isKeyframe, arrival: Instant(nanoseconds: nanoseconds)))))
        }
        var opus = try OggOpusReader([UInt8](Data(contentsOf: demoOpus)))
        let audioSamples = Int64(clip.seconds * 48_000)
        var audioSequence: UInt16 = 0
        while let packet = try opus.nextPacket(), packet.startSample < audioSamples {
            let timestamp = UInt32(truncatingIfNeeded: packet.startSample)
            let rtp = RTPPacket(payloadType: 111, sequenceNumber: audioSequence, timestamp: timestamp, ssrc: 2,
                                marker: false, payload: packet.data)
            audioSequence &+= 1
            let nanoseconds = UInt64(max(0, packet.startSample)) * 1_000_000 / 48
            timed.append((nanoseconds, .unit(MediaUnit(trackID: 1, packets: [rtp], rtpTimestamp: timestamp, isKeyframe: true,
                                                        arrival: Instant(nanoseconds: nanoseconds)))))
        }
        // Stable: video before audio at equal times, so the segment starts with the keyframe.
        return timed.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element.event)
    }

    static func tracks(_ clip: Clip) -> [TrackInfo] {
        [TrackInfo(id: 0, kind: .video, encodingName: clip.encodingName, clockRate: 90_000, payloadType: 96),
         TrackInfo(id: 1, kind: .audio, encodingName: "opus", clockRate: 48_000, channels: 2, payloadType: 111)]
    }

    /// Runs the events through a muxer and returns the bytes of its single segment.
    static func record(_ clip: Clip, format: RecordingFormat) throws -> (bytes: [UInt8], muxer: RecorderMuxer) {
        var muxer = RecorderMuxer(format: format, segmentDuration: .seconds(600))
        var outputs = muxer.handle(.tracks(tracks(clip), sourceEpoch: 1))
        for event in try events(for: clip) { outputs += muxer.handle(event) }
        outputs += muxer.handle(.sourceEnded)
        var bytes: [UInt8] = []
        var segments = 0
        for output in outputs {
            switch output {
            case .startSegment(_, let header):
                segments += 1
                bytes = header
            case .append(let chunk):
                bytes += chunk
            case .finishSegment(let patch):
                if let patch { bytes.replaceSubrange(patch.offset..<(patch.offset + patch.bytes.count), with: patch.bytes) }
            }
        }
        #expect(segments == 1)
        return (bytes, muxer)
    }

    static func probe(_ bytes: [UInt8], fileExtension: String, in directory: URL,
                      decodeCheck: Bool = true) throws -> [FFprobe.Stream] {
        let url = directory.appendingPathComponent("recording.\(fileExtension)")
        try Data(bytes).write(to: url)
        if let ffmpeg, decodeCheck {
            // Every frame decodes without a complaint.
            let complaints = try run(ffmpeg, ["-v", "error", "-i", url.path, "-f", "null", "-"])
            #expect(complaints.isEmpty, "\(complaints)")
        }
        return try FFprobe.streams(ofFile: url.path)
    }

    @Test(.enabled(if: FFprobe.isAvailable, "ffprobe is not installed"), arguments: [
        ("H265", "hevc"), ("VP9", "vp9"), ("AV1", "av1"),
    ])
    func recordsVideoAndOpusAsPlayableMP4(encodingName: String, probeName: String) throws {
        let directory = try RecordingSpecTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let clip = try Self.clip(encodingName, in: directory)
        #expect(clip.units.count >= 8 && clip.units[0].isKeyframe)
        let (bytes, muxer) = try Self.record(clip, format: .mp4)
        #expect(muxer.ignoredTracks.isEmpty && muxer.muxErrors == 0, "\(muxer.lastMuxError ?? "")")
        #expect(muxer.unitsSkipped == 0)
        let streams = try Self.probe(bytes, fileExtension: "mp4", in: directory, decodeCheck: clip.decodesInOrder)
        #expect(streams.map(\.codec_name) == [probeName, "opus"])
        #expect(streams.first?.width == clip.width && streams.first?.height == clip.height)
        for stream in streams {
            let seconds = try #require(stream.seconds)
            #expect(abs(seconds - clip.seconds) <= clip.seconds * 0.1,
                    "\(stream.codec_name ?? "?") \(seconds) s vs \(clip.seconds) s")
        }
    }

    @Test(.enabled(if: FFprobe.isAvailable, "ffprobe is not installed"), arguments: [("VP9", "vp9"), ("AV1", "av1")])
    func ivfStillRecordsVP9AndAV1WithTheirSize(encodingName: String, probeName: String) throws {
        let directory = try RecordingSpecTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let clip = try Self.clip(encodingName, in: directory)
        let (bytes, muxer) = try Self.record(clip, format: .ivf)
        #expect(muxer.ignoredTracks == ["opus/48000"])
        var reader = try IVFReader(bytes)
        #expect(reader.header.width == clip.width && reader.header.height == clip.height)
        #expect(try reader.readAll().count == clip.units.count)
        let streams = try Self.probe(bytes, fileExtension: "ivf", in: directory)
        #expect(streams.map(\.codec_name) == [probeName])
        #expect(streams.first?.width == clip.width && streams.first?.height == clip.height)
    }

    // MARK: - Without ffmpeg: the fixtures

    static func fixture(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    static func mdatPayloads(_ outputs: [RecorderOutput]) throws -> [UInt8] {
        var bytes: [UInt8] = []
        for case .append(let chunk) in outputs {
            var index = 0
            while index + 8 <= chunk.count {
                let size = Int(chunk[index]) << 24 | Int(chunk[index + 1]) << 16 | Int(chunk[index + 2]) << 8 | Int(chunk[index + 3])
                try #require(size >= 8 && index + size <= chunk.count)
                if Array(chunk[(index + 4)..<(index + 8)]) == Array("mdat".utf8) { bytes += chunk[(index + 8)..<(index + size)] }
                index += size
            }
        }
        return bytes
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        haystack.indices.contains { haystack[$0...].starts(with: needle) }
    }

    @Test func h265SamplesLeaveOutTheSampleEntrysParameterSetsAndANewSPSStartsASegment() throws {
        let units = Self.h265AccessUnits(annexB: try Self.fixture("tiny-h265.hevc"), frameTicks: 9000)
        let keyframes = units.indices.filter { units[$0].isKeyframe }
        #expect(units.count == 8 && keyframes.count == 2 && keyframes.first == 0, "\(keyframes)")
        let secondKeyframe = try #require(keyframes.last)
        let clip = Clip(encodingName: "H265", units: units, width: 64, height: 48, seconds: 0.8, decodesInOrder: false)
        var muxer = RecorderMuxer(format: .mp4, segmentDuration: .seconds(600))
        var outputs = muxer.handle(.tracks(Self.tracks(clip), sourceEpoch: 1))
        for event in try Self.events(for: clip) { outputs += muxer.handle(event) }
        outputs += muxer.handle(.sourceEnded)
        #expect(RecordingMuxerTests.kinds(outputs).filter { $0 != "append" } == ["start1", "finish"])
        guard case .startSegment(_, let header) = outputs.first else { Issue.record("no segment"); return }
        let sps = try #require(units[0].payloads.first { H265.nalType($0[0]) == H265.sps })
        #expect(Self.contains(header, sps))
        let samples = try Self.mdatPayloads(outputs)
        #expect(samples.count > 1000 && !Self.contains(samples, sps))

        // The second keyframe brings another SPS (level 31 instead of 30): a new segment starts there.
        var changed = units
        let index = try #require(changed[secondKeyframe].payloads.firstIndex { H265.nalType($0[0]) == H265.sps })
        #expect(changed[secondKeyframe].payloads[index][17] == 0x1E)
        changed[secondKeyframe].payloads[index][17] = 0x1F
        var second = RecorderMuxer(format: .mp4, segmentDuration: .seconds(600))
        outputs = second.handle(.tracks(Self.tracks(clip), sourceEpoch: 1))
        for event in try Self.events(for: Clip(encodingName: "H265", units: changed, width: 64, height: 48, seconds: 0.8)) {
            outputs += second.handle(event)
        }
        #expect(RecordingMuxerTests.kinds(outputs).filter { $0 != "append" } == ["start1", "finish", "start2"])
        guard case .startSegment(_, let newHeader) = outputs.last(where: { if case .startSegment = $0 { true } else { false } })
        else { return }
        #expect(Self.contains(newHeader, changed[secondKeyframe].payloads[index]))
    }

    @Test func av1SamplesDropTemporalDelimitersButIVFKeepsThem() throws {
        let clip = try Self.ivfClip("AV1", try Self.fixture("tiny-av1.ivf"))
        #expect(clip.units.count == 8 && clip.width == 64 && clip.height == 48)
        var mp4 = RecorderMuxer(format: .mp4, segmentDuration: .seconds(600))
        var outputs = mp4.handle(.tracks(Self.tracks(clip), sourceEpoch: 1))
        for event in try Self.events(for: clip) { outputs += mp4.handle(event) }
        outputs += mp4.handle(.sourceEnded)
        let samples = try Self.mdatPayloads(outputs)
        #expect(!Self.contains(samples, AV1.temporalDelimiter))
        let sequenceHeader = try #require(clip.units[0].payloads.first { AV1.obuType($0[0]) == AV1.OBUType.sequenceHeader })
        #expect(samples.starts(with: sequenceHeader))     // the first sample: a key frame with its sequence header
        guard case .startSegment(_, let header) = outputs.first else { Issue.record("no segment"); return }
        // av1C: marker/version, profile 0 level 0, tier 0 8-bit 4:2:0, no delay, then the OBU.
        #expect(Self.contains(header, Array("av1C".utf8) + [0x81, 0x00, 0x0C, 0x00] + sequenceHeader))

        let (ivf, _) = try Self.record(clip, format: .ivf)
        var reader = try IVFReader(ivf)
        #expect(try reader.readAll().allSatisfy { $0.data.starts(with: AV1.temporalDelimiter) })
    }
}
