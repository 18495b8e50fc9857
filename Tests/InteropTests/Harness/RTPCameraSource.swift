import Foundation

/// A synthetic "camera" that sends plain RTP, as an IP camera or encoder would: the recipe's own
/// script `bridges/rtp-camera-to-browser/camera.sh` (ffmpeg: testsrc2 640x360@30 → libx264
/// baseline `-tune zerolatency`, so every frame is several slices, PT 96; a sine → Opus 48 kHz
/// stereo 20 ms, PT 111; RTCP to port + 1; SPS/PPS in-band only). ffmpeg writes the SDP file
/// before its first packet. Running the recipe's script keeps the recipe tested.
struct RTPCameraSource: Sendable {
    var seconds = 25
    var videoPort = 5004
    var audioPort = 5006
    /// Keyframe interval in frames (60 = 2 s at 30 fps).
    var gopFrames = 60

    func arguments(packageRoot: String, sdpPath: String) -> [String] {
        ["/bin/bash", packageRoot + "/bridges/rtp-camera-to-browser/camera.sh", "\(seconds)", "\(videoPort)",
         "\(audioPort)", sdpPath, "127.0.0.1", "\(gopFrames)"]
    }
}

extension InteropScope {
    /// Starts `camera` in the namespace and waits until its SDP file describes both streams.
    /// Returns the process and the SDP path (give it to `rtcbridge serve --path NAME=SDP`).
    func startRTPCamera(_ camera: RTPCameraSource = RTPCameraSource()) async throws -> (ManagedProcess, String) {
        guard environment.ffmpeg != nil else {
            throw InteropError.unexpectedOutput(what: "missing tool", output: "ffmpeg not found")
        }
        let sdpPath = file("camera.sdp")
        try? FileManager.default.removeItem(atPath: sdpPath)
        let process = try start("ffmpeg-camera", camera.arguments(packageRoot: environment.packageRoot, sdpPath: sdpPath))
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
