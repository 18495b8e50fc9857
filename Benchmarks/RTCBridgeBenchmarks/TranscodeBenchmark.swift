import Codecs
import Foundation
import Transcode

/// CPU cost of AAC → Opus (libavcodec decode + libswresample + libopus encode at 64 kbit/s) on one
/// core: a 1 s fixture clip (Tests/TranscodeTests/Fixtures) fed `repeats` times back to back.
struct TranscodeBenchmark {
    struct Result {
        /// Thread CPU time (CLOCK_THREAD_CPUTIME_ID), so other load on the machine does not count.
        var microsecondsPerOpusFrame: Double
        var wallMicrosecondsPerOpusFrame: Double
        /// Share of one core per transcoded stream (CPU seconds per second of audio).
        var coreShare: Double
        var opusFrames: Int
    }

    let fixture: String
    let repeats: Int

    func run() throws -> Result {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let bytes = [UInt8](try Data(contentsOf: root.appendingPathComponent("Tests/TranscodeTests/Fixtures/\(fixture)")))
        let (frames, header) = AAC.rawFrames(fromADTS: bytes)
        guard let header, !frames.isEmpty else { throw TranscodeError.unsupportedTrack("no ADTS frames in \(fixture)") }
        let config = try AAC.AudioSpecificConfig(bytes: header.audioSpecificConfig)
        let transcoder = try OpusTranscoder(source: .aac(config), inputClockRate: config.sampleRate)
        var timestamp: UInt32 = 0
        var opusFrames = 0
        let clock = ContinuousClock()
        let start = clock.now
        let cpuStart = Self.threadCPUSeconds()
        for _ in 0..<repeats {
            for frame in frames {
                opusFrames += transcoder.push(frame[...], rtpTimestamp: timestamp).count
                timestamp &+= UInt32(AAC.samplesPerFrame)
            }
        }
        let cpu = Self.threadCPUSeconds() - cpuStart
        let elapsed = (clock.now - start)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let audioSeconds = Double(opusFrames) * 0.020
        let frameCount = Double(max(opusFrames, 1))
        return Result(microsecondsPerOpusFrame: cpu * 1e6 / frameCount, wallMicrosecondsPerOpusFrame: seconds * 1e6 / frameCount,
                      coreShare: cpu / max(audioSeconds, 1e-9), opusFrames: opusFrames)
    }

    static func threadCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
