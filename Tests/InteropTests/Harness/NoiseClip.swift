import Foundation
import Testing

extension InteropScope {
    /// A 1 s 1280x720@30 clip of ffmpeg's moving test pattern with light temporal noise, for
    /// Chromium's fake camera (`browser.py --fake-video`, looped). Chromium's built-in fake camera
    /// draws flat frames its encoder compresses to far less than 2 Mbit/s (measured: target
    /// 2.5 Mbit/s within 3 s, but only ~0.4 Mbit/s sent); the noise gives the encoder something to
    /// spend the bits on (heavier noise starves this small machine's CPU instead).
    func noiseClip720p() async throws -> String {
        let clip = file("noise-720p.y4m")
        let ffmpeg = try #require(environment.ffmpeg)
        let generator = try start("ffmpeg-clip", [
            ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30", "-vf", "noise=alls=8:allf=t",
            "-t", "1", "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", clip,
        ])
        #expect(try await generator.waitForExit(timeout: .seconds(60)) == 0, "\(generator.logTail())")
        return clip
    }
}
