import Foundation

/// A synthetic "camera" that sends plain RTP with ffmpeg, as an IP camera or encoder would:
/// testsrc2 640x360@30 → libx264 baseline, ultrafast, `-tune zerolatency` (sliced threads, so
/// every frame is several slices), no B-frames, PT 96; a 440 Hz sine → libopus 48 kHz stereo,
/// 20 ms frames, PT 111. RTCP goes to port + 1. SPS/PPS travel in-band only (no
/// sprop-parameter-sets). ffmpeg writes the SDP file before its first packet.
struct RTPCameraSource: Sendable {
    var seconds = 25
    var videoPort = 5004
    var audioPort = 5006
    /// Keyframe interval in frames (60 = 2 s at 30 fps).
    var gopFrames = 60

    func arguments(ffmpeg: String, sdpPath: String) -> [String] {
        [
            ffmpeg, "-hide_banner", "-loglevel", "warning", "-nostdin", "-re",
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=\(seconds)",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=\(seconds)",
            "-map", "0:v", "-c:v", "libx264", "-profile:v", "baseline", "-preset", "ultrafast",
            "-tune", "zerolatency", "-g", "\(gopFrames)", "-keyint_min", "\(gopFrames)", "-sc_threshold", "0",
            "-bf", "0", "-pix_fmt", "yuv420p", "-b:v", "1M",
            "-payload_type", "96", "-ssrc", "0x11111111", "-f", "rtp", "rtp://127.0.0.1:\(videoPort)?pkt_size=1200",
            "-map", "1:a", "-c:a", "libopus", "-b:a", "64k", "-ac", "2", "-ar", "48000",
            "-frame_duration", "20", "-application", "lowdelay",
            "-payload_type", "111", "-ssrc", "0x22222222", "-f", "rtp", "rtp://127.0.0.1:\(audioPort)?pkt_size=1200",
            "-sdp_file", sdpPath,
        ]
    }
}

extension InteropScope {
    /// Starts `camera` in the namespace and waits until its SDP file describes both streams.
    /// Returns the process and the SDP path (give it to `rtcbridge serve --path NAME=SDP`).
    func startRTPCamera(_ camera: RTPCameraSource = RTPCameraSource()) async throws -> (ManagedProcess, String) {
        guard let ffmpeg = environment.ffmpeg else {
            throw InteropError.unexpectedOutput(what: "missing tool", output: "ffmpeg not found")
        }
        let sdpPath = file("camera.sdp")
        try? FileManager.default.removeItem(atPath: sdpPath)
        let process = try start("ffmpeg-camera", camera.arguments(ffmpeg: ffmpeg, sdpPath: sdpPath))
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            if let data = FileManager.default.contents(atPath: sdpPath) {
                let sdp = String(decoding: data, as: UTF8.self)
                if sdp.contains("m=video"), sdp.contains("m=audio") { return (process, sdpPath) }
            }
            if !process.isRunning {
                throw InteropError.exitedEarly(label: process.label, status: process.terminationStatusOrMinusOne,
                                               log: process.logTail())
            }
            if ContinuousClock.now >= deadline {
                throw InteropError.timedOut(what: "ffmpeg to write \(sdpPath)", seconds: 10, log: process.logTail())
            }
            try await Task.sleep(for: ManagedProcess.pollInterval)
        }
    }
}

extension ManagedProcess {
    var terminationStatusOrMinusOne: Int32 { exitStatus ?? -1 }
}
