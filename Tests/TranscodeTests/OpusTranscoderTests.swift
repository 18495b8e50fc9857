import CAudioCodecs
import Codecs
import Foundation
import Testing
import TestSupport
@testable import Transcode

/// Real clips under Fixtures/ (see Fixtures/README.txt), read through #filePath.
enum TranscodeFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func load(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    /// The raw AAC frames of an ADTS clip and its AudioSpecificConfig.
    static func aac(_ name: String) throws -> (frames: [[UInt8]], config: AAC.AudioSpecificConfig) {
        let (frames, header) = AAC.rawFrames(fromADTS: try load(name))
        let config = try AAC.AudioSpecificConfig(bytes: try #require(header).audioSpecificConfig)
        return (frames, config)
    }
}

/// Decodes Opus frames back to PCM with libopus and measures the tone.
struct OpusProbe {
    var pcm: [Int16] = []
    let channels: Int

    init(frames: [OpusFrame], channels: Int) throws {
        self.channels = channels
        let decoder = try #require(rtcb_opus_decoder_create(Int32(channels)))
        defer { rtcb_opus_decoder_destroy(decoder) }
        var buffer = [Int16](repeating: 0, count: 5_760 * channels)
        for frame in frames {
            let count = frame.payload.withUnsafeBufferPointer { data in
                buffer.withUnsafeMutableBufferPointer { out in
                    rtcb_opus_decode(decoder, data.baseAddress, Int32(data.count), out.baseAddress, 5_760)
                }
            }
            #expect(count == 960, "an Opus frame decoded to \(count) samples")
            if count > 0 { pcm += buffer[..<(Int(count) * channels)] }
        }
    }

    /// The first channel between `from` and `to` seconds.
    func samples(from: Double, to: Double) -> [Int16] {
        let start = min(pcm.count / channels, Int(from * 48_000))
        let end = min(pcm.count / channels, Int(to * 48_000))
        return stride(from: start, to: end, by: 1).map { pcm[$0 * channels] }
    }

    /// Frequency estimated from zero crossings (two per period).
    static func frequency(of samples: [Int16]) -> Double {
        var crossings = 0
        for index in samples.indices.dropFirst() where (samples[index - 1] < 0) != (samples[index] < 0) {
            crossings += 1
        }
        return Double(crossings) / 2 / (Double(samples.count) / 48_000)
    }

    static func rms(of samples: [Int16]) -> Double {
        guard !samples.isEmpty else { return 0 }
        let sum = samples.reduce(0.0) { $0 + Double($1) * Double($1) }
        return (sum / Double(samples.count)).squareRoot()
    }
}

@Suite("AAC/G.722 → Opus transcoder")
struct OpusTranscoderTests {
    /// Feeds `frames` stamped `duration` apart; returns every Opus frame.
    static func run(_ transcoder: OpusTranscoder, _ frames: [[UInt8]], duration: UInt32, start: UInt32 = 1_000) -> [OpusFrame] {
        var out: [OpusFrame] = []
        for (index, frame) in frames.enumerated() {
            out += transcoder.push(frame[...], rtpTimestamp: start &+ UInt32(index) &* duration)
        }
        return out
    }

    static func expectTone(_ frames: [OpusFrame], channels: Int, seconds: Double) throws {
        let probe = try OpusProbe(frames: frames, channels: channels)
        let middle = probe.samples(from: 0.2, to: seconds - 0.2)
        let frequency = OpusProbe.frequency(of: middle)
        let rms = OpusProbe.rms(of: middle)
        print("Opus round trip: \(frames.count) frames, \(String(format: "%.1f", frequency)) Hz, rms \(Int(rms))")
        #expect(abs(frequency - 440) < 5, "tone at \(frequency) Hz")
        #expect(rms > 1_000, "tone energy lost: rms \(rms)")
        for (previous, next) in zip(frames, frames.dropFirst()) {
            #expect(next.rtpTimestamp &- previous.rtpTimestamp == 960)
        }
    }

    @Test("48 kHz mono AAC → 20 ms Opus frames that decode back to the 440 Hz tone")
    func aacMono() throws {
        let (frames, config) = try TranscodeFixtures.aac("sine440-48k-mono.aac")
        #expect(frames.count > 40)
        let transcoder = try OpusTranscoder(source: .aac(config), inputClockRate: config.sampleRate)
        #expect(transcoder.channels == 1)
        let opus = Self.run(transcoder, frames, duration: 1_024)
        // 1024 samples per AAC frame at 48 kHz = 1024/960 Opus frames per AAC frame.
        #expect(opus.count == frames.count * 1_024 / 960)
        #expect(transcoder.stats.malformedFrames == 0 && transcoder.stats.timestampJumps == 0)
        try Self.expectTone(opus, channels: 1, seconds: 1)
    }

    @Test("44.1 kHz stereo AAC is resampled to 48 kHz and stays 440 Hz")
    func aacStereoResampled() throws {
        let (frames, config) = try TranscodeFixtures.aac("sine440-44k1-stereo.aac")
        #expect(config.sampleRate == 44_100)
        let transcoder = try OpusTranscoder(source: .aac(config), inputClockRate: 44_100)
        #expect(transcoder.channels == 2)
        let opus = Self.run(transcoder, frames, duration: 1_024)
        let expected = frames.count * 1_024 * 48_000 / 44_100 / 960
        #expect(abs(opus.count - expected) <= 1, "\(opus.count) frames, expected about \(expected)")
        try Self.expectTone(opus, channels: 2, seconds: 1)
    }

    @Test("G.722 (16 kHz, RTP clock 8000) → Opus keeps the tone")
    func g722() throws {
        let bytes = try TranscodeFixtures.load("sine440.g722")
        let frames = stride(from: 0, to: bytes.count, by: 160).map { Array(bytes[$0..<min(bytes.count, $0 + 160)]) }
        let transcoder = try OpusTranscoder(source: .g722, inputClockRate: 8_000)
        let opus = Self.run(transcoder, frames, duration: 160)
        #expect(transcoder.stats.timestampJumps == 0 && transcoder.stats.malformedFrames == 0)
        #expect(abs(opus.count - 50) <= 1)
        try Self.expectTone(opus, channels: 1, seconds: 1)
    }

    @Test("garbage frames are counted and skipped; the stream goes on")
    func malformedFrames() throws {
        let (frames, config) = try TranscodeFixtures.aac("sine440-48k-mono.aac")
        let transcoder = try OpusTranscoder(source: .aac(config), inputClockRate: 48_000)
        var generator = SeededGenerator(seed: 11)
        var out: [OpusFrame] = []
        var timestamp: UInt32 = 0
        for (index, frame) in frames.enumerated() {
            out += transcoder.push(frame[...], rtpTimestamp: timestamp)
            timestamp &+= 1_024
            if index % 3 == 0 {
                let garbage = generator.bytes(Int(generator.next() % 600) + 1)
                out += transcoder.push(garbage[...], rtpTimestamp: timestamp)
                timestamp &+= 1_024
            }
        }
        _ = transcoder.push([][...], rtpTimestamp: timestamp)
        let stats = transcoder.stats
        print("garbage: \(stats)")
        #expect(stats.malformedFrames >= 1)
        #expect(stats.framesDecoded + stats.malformedFrames == stats.framesIn)
        #expect(stats.framesDecoded >= frames.count)
        #expect(out.count > 40)
    }

    @Test("input frame size cap: at the cap decoded or refused by libavcodec, one past it never decoded")
    func frameSizeCap() throws {
        let (_, config) = try TranscodeFixtures.aac("sine440-48k-mono.aac")
        let cap = 1_000
        let transcoder = try OpusTranscoder(source: .aac(config), inputClockRate: 48_000,
                                            configuration: TranscodeConfiguration(maxInputFrameBytes: cap))
        _ = transcoder.push([UInt8](repeating: 0x55, count: cap)[...], rtpTimestamp: 0)
        #expect(transcoder.stats.oversizedFrames == 0)
        _ = transcoder.push([UInt8](repeating: 0x55, count: cap + 1)[...], rtpTimestamp: 1_024)
        #expect(transcoder.stats.oversizedFrames == 1)
        #expect(transcoder.stats.framesIn == 2)
    }

    @Test("a gap in the input moves the output timeline by the same time; jumps are counted")
    func timestampGaps() throws {
        let (frames, config) = try TranscodeFixtures.aac("sine440-48k-mono.aac")
        let transcoder = try OpusTranscoder(source: .aac(config), inputClockRate: 48_000)
        var out: [OpusFrame] = []
        for index in 0..<10 { out += transcoder.push(frames[index][...], rtpTimestamp: UInt32(index * 1_024)) }
        let beforeGap = try #require(out.last).rtpTimestamp
        // Frames 10...19 are lost: 10 × 1024 samples at 48 kHz.
        var afterGap: [OpusFrame] = []
        for index in 20..<30 { afterGap += transcoder.push(frames[index][...], rtpTimestamp: UInt32(index * 1_024)) }
        #expect(transcoder.stats.timestampJumps == 1)
        let jump = Int(try #require(afterGap.first { $0.rtpTimestamp != beforeGap &+ 960 } ?? afterGap.last).rtpTimestamp &- beforeGap)
        print("gap of 10240 input samples: output jumped \(jump)")
        // The output jumps by the lost 10240 samples (± one 20 ms frame of buffered audio).
        #expect(abs(jump - 10_240) <= 960 * 2, "jumped \(jump)")
        for (previous, next) in zip(afterGap, afterGap.dropFirst()) where previous.rtpTimestamp != beforeGap {
            #expect(next.rtpTimestamp > previous.rtpTimestamp)
        }
        // A backward jump (a source restart) and a huge one are counted and closed up.
        let last = try #require(afterGap.last).rtpTimestamp
        var restarted: [OpusFrame] = []
        for index in 30..<35 { restarted += transcoder.push(frames[index][...], rtpTimestamp: UInt32(index * 1_024) &- 500_000) }
        for index in 35..<40 { restarted += transcoder.push(frames[index][...], rtpTimestamp: UInt32(index * 1_024) &+ 9_000_000) }
        #expect(transcoder.stats.timestampJumps == 3)
        #expect(try #require(restarted.first).rtpTimestamp == last &+ 960)
        for (previous, next) in zip(restarted, restarted.dropFirst()) { #expect(next.rtpTimestamp == previous.rtpTimestamp &+ 960) }
    }

    @Test("bitrate is configurable (default 64 kbit/s); out-of-range bitrates are refused")
    func bitrate() throws {
        let (frames, config) = try TranscodeFixtures.aac("sine440-44k1-stereo.aac")
        func averageBytes(_ bitrate: Int) throws -> Int {
            let transcoder = try OpusTranscoder(source: .aac(config), inputClockRate: 44_100,
                                                configuration: TranscodeConfiguration(bitrate: bitrate))
            let opus = Self.run(transcoder, frames, duration: 1_024)
            return opus.reduce(0) { $0 + $1.payload.count } / max(1, opus.count)
        }
        #expect(TranscodeConfiguration().bitrate == 64_000)
        let low = try averageBytes(24_000)
        let standard = try averageBytes(64_000)
        print("Opus bytes per frame: 24k → \(low), 64k → \(standard)")
        #expect(low < standard)
        #expect(abs(standard - 160) < 40, "64 kbit/s is 160 bytes per 20 ms")
        #expect(throws: TranscodeError.invalidBitrate(5_000)) {
            try OpusTranscoder(source: .aac(config), inputClockRate: 44_100, configuration: TranscodeConfiguration(bitrate: 5_000))
        }
    }
}
