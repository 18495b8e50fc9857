import Foundation
import Testing

extension InteropScope {
    /// Runs ffprobe over a recorded file, counting each stream's frames (`codec_name=…`,
    /// `nb_read_frames=…`, `duration=…` lines on stdout); returns its exit status and the process.
    func probeRecording(_ file: String, label: String = "ffprobe-recording") async throws -> (status: Int32, process: ManagedProcess) {
        let ffmpeg = try #require(environment.ffmpeg)
        let ffprobe = URL(fileURLWithPath: ffmpeg).deletingLastPathComponent().appendingPathComponent("ffprobe").path
        let probe = try start(label, [
            ffprobe, "-v", "error", "-count_frames", "-show_entries",
            "stream=codec_name,nb_read_frames:format=duration", "-of", "default=nw=1", file,
        ])
        return (try await probe.waitForExit(timeout: .seconds(30)), probe)
    }
}
