import Foundation
import Testing

extension InteropSuite {
    /// An RTSP camera with H.264 + AAC (ffmpeg publishing by ANNOUNCE/RECORD) plays in headless
    /// Chromium with sound: the gateway decodes the AAC (libavcodec) and encodes Opus (libopus) for
    /// WebRTC viewers only, while RTSP readers still get the AAC.
    @Suite("AAC camera → Opus in Chromium")
    struct AACToOpusTests {
        static let base = "rtsp://127.0.0.1:8554"

        @Test("Chromium receives Opus with a non-zero level from an AAC camera; RTSP still serves AAC",
              .requires(InteropTool.browserAgainstGateway + [.ffmpeg, .curl]), .timeLimit(.minutes(2)))
        func aacCameraPlaysWithSound() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startGateway(["--path", "cam=publisher"])
            let seconds = 40
            let publisher = try scope.startAACPublisher("\(Self.base)/cam", seconds: seconds, sampleRate: 44_100,
                                                        label: "ffmpeg-aac-camera")
            try await scope.waitUntilReady(gateway, path: "cam", timeout: .seconds(20))

            // A video-only viewer plays without starting the transcoder.
            let videoOnly = try await scope.runBrowser(["whep", gateway.url("/cam/whep"), "--seconds", "1", "--audio", "0"])
            #expect(videoOnly.ok && (videoOnly.framesDecoded ?? 0) > 0, "\(videoOnly.json)")
            let before = gateway.process.text(.stdout) + gateway.process.text(.stderr)
            #expect(!before.contains("transcoding audio to Opus"), "\(gateway.process.logTail())")

            // Two viewers one after the other share (then restart) the path's transcoder.
            for round in 1...2 {
                let report = try await scope.runBrowser(["whep", gateway.url("/cam/whep"), "--seconds", "3", "--audio-stats"])
                let early = report.audioSamplesEarly ?? 0
                let samples = report.audioSamples ?? 0
                print("AAC camera → Opus → Chromium (viewer \(round)): audioCodec=\(report.audioCodec ?? "nil") "
                    + "audioPackets=\(report.audioPackets ?? 0) totalSamplesReceived \(early) → \(samples) "
                    + "totalAudioEnergy=\(report.audioEnergy ?? 0) audioLevel=\(report.audioLevel ?? 0) "
                    + "framesDecoded=\(report.framesDecoded ?? 0)")
                #expect(report.ok, "\(report.json)")
                #expect(report.codec == "video/H264", "\(report.json)")
                #expect((report.framesDecoded ?? 0) > 0, "\(report.json)")
                #expect(report.audioCodec == "audio/opus", "\(report.json)")
                #expect((report.audioPackets ?? 0) > 50, "\(report.json)")
                // 3 s played after the first frame: about 144000 samples at 48 kHz.
                #expect(samples > early + 48_000, "totalSamplesReceived not rising: \(report.json)")
                #expect((report.audioEnergy ?? 0) > 0, "silent audio: \(report.json)")
                #expect((report.audioLevel ?? 0) > 0.01, "silent audio: \(report.json)")
            }

            // RTSP readers keep the original AAC.
            let probe = try await scope.ffprobe("\(Self.base)/cam", transport: "tcp")
            #expect(probe.status == 0, "\(probe.log)")
            #expect(probe.streams.contains { $0.hasPrefix("codec_name=aac|codec_type=audio") }, "\(probe.streams) \(probe.log)")
            #expect(probe.streams.contains { $0.hasPrefix("codec_name=h264|codec_type=video") }, "\(probe.streams) \(probe.log)")

            // The transcoder ran for the viewers and stopped after the last one left.
            let deadline = ContinuousClock.now + .seconds(5)
            var log = gateway.process.text(.stdout) + gateway.process.text(.stderr)
            while log.components(separatedBy: "audio transcoding stopped").count < 3, ContinuousClock.now < deadline {
                try await Task.sleep(for: ManagedProcess.pollInterval)
                log = gateway.process.text(.stdout) + gateway.process.text(.stderr)
            }
            #expect(log.contains("transcoding audio to Opus for WebRTC viewers"), "\(gateway.process.logTail())")
            #expect(log.components(separatedBy: "audio transcoding stopped").count == 3, "\(gateway.process.logTail())")
            #expect(publisher.isRunning, "\(publisher.logTail())")
            publisher.send(SIGINT)
            #expect(gateway.process.isRunning)
        }
    }
}
