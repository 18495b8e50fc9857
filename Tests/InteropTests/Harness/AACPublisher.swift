extension InteropScope {
    /// ffmpeg publishing a 640x360 H.264 test pattern and a 440 Hz AAC tone (stereo, `sampleRate`)
    /// to `url` by RTSP ANNOUNCE/RECORD over TCP for `seconds`, paced in real time.
    func startAACPublisher(_ url: String, seconds: Int, sampleRate: Int = 48_000,
                           label: String = "ffmpeg-aac-publisher") throws -> ManagedProcess {
        guard let ffmpeg = environment.ffmpeg else {
            throw InteropError.unexpectedOutput(what: "an ffmpeg binary", output: "ffmpeg not found")
        }
        return try start(label, [
            ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "warning", "-re",
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=\(seconds)",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=\(sampleRate):duration=\(seconds)",
            "-c:v", "libx264", "-profile:v", "baseline", "-preset", "ultrafast", "-tune", "zerolatency",
            "-g", "30", "-keyint_min", "30", "-sc_threshold", "0", "-bf", "0", "-pix_fmt", "yuv420p", "-b:v", "1M",
            "-c:a", "aac", "-b:a", "96k", "-ac", "2", "-ar", "\(sampleRate)",
            "-f", "rtsp", "-rtsp_transport", "tcp", url,
        ])
    }
}
