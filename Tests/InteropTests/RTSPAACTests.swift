import Foundation
import Testing

extension InteropSuite {
    /// AAC from an RTSP publisher (ffmpeg `-c:a aac`, `mpeg4-generic` of RFC 3640, ANNOUNCE/RECORD
    /// over TCP): transcoded to Opus for WebRTC (the WHEP answer offers opus; AACToOpusTests plays
    /// it in Chromium), and carried as AAC to RTP egress (ffmpeg decodes it from the generated SDP), to RTSP readers (ffprobe)
    /// and into the MP4 recording. Each test runs in its own namespace.
    @Suite("RTSP AAC publisher")
    struct RTSPAACTests {
        static let base = "rtsp://127.0.0.1:8554"

        /// Starts the gateway (publisher path, recording, RTP egress) and ffmpeg publishing H.264 +
        /// AAC for `seconds`; returns once the path is ready.
        private func startPublishing(_ scope: InteropScope, seconds: Int)
            async throws -> (gateway: GatewayProcess, publisher: ManagedProcess, sdp: String, recordings: String) {
            let recordings = scope.file("recordings")
            try FileManager.default.createDirectory(atPath: recordings, withIntermediateDirectories: true)
            let sdp = scope.file("push.sdp")
            let gateway = try await scope.startGateway([
                "--path", "push=publisher", "--record", "push=\(recordings)",
                "--forward", "push=rtp://127.0.0.1:5004?sdp=\(sdp)",
            ])
            let publisher = try scope.startAACPublisher("\(Self.base)/push", seconds: seconds)
            try await scope.waitUntilReady(gateway, path: "push", timeout: .seconds(20))
            return (gateway, publisher, sdp, recordings)
        }

        @Test("WHEP answer offers Opus for the AAC audio section; ffprobe reads h264 + aac over RTSP",
              .requires(.root, .ip, .ffmpeg, .gateway, .curl), .timeLimit(.minutes(1)))
        func whepOffersOpusRTSPCarriesAAC() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let (gateway, publisher, _, _) = try await startPublishing(scope, seconds: 20)

            let answer = try await scope.http("POST", gateway.url("/push/whep"), headers: ["Content-Type": "application/sdp"],
                                              body: Data(SampleOffers.recvonly.utf8))
            #expect(answer.status == 201, "\(answer.body)")
            let video = answer.body.matches(of: #/m=video (\d+) /#).compactMap { Int($0.1) }.first
            let audio = answer.body.matches(of: #/m=audio (\d+) /#).compactMap { Int($0.1) }.first
            #expect(video.map { $0 != 0 } == true, "video not accepted: \(answer.body)")
            #expect(audio.map { $0 != 0 } == true, "audio section rejected: \(answer.body)")
            #expect(answer.body.lowercased().contains("opus/48000/2"), "\(answer.body)")
            #expect(!answer.body.lowercased().contains("mpeg4-generic"), "\(answer.body)")

            let probe = try await scope.ffprobe("\(Self.base)/push", transport: "tcp")
            #expect(probe.status == 0, "\(probe.log)")
            #expect(probe.streams.contains("codec_name=h264|codec_type=video|width=640|height=360"), "\(probe.streams) \(probe.log)")
            #expect(probe.streams.contains { $0.hasPrefix("codec_name=aac|codec_type=audio") }, "\(probe.streams) \(probe.log)")
            #expect(publisher.isRunning, "\(publisher.logTail())")
            publisher.send(SIGINT)
            #expect(gateway.process.isRunning)
        }

        @Test("RTP egress SDP decodes as h264 + aac in ffmpeg; the recording holds h264 + aac",
              .requires(.root, .ip, .ffmpeg, .gateway, .curl), .timeLimit(.minutes(1)))
        func egressAndRecordingCarryAAC() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let (gateway, publisher, sdpPath, recordings) = try await startPublishing(scope, seconds: 12)

            let sdp = try await waitForSDP(sdpPath, gateway: gateway)
            #expect(sdp.contains("a=rtpmap:"), "\(sdp)")
            #expect(sdp.lowercased().contains("mpeg4-generic/48000/2"), "\(sdp)")
            #expect(sdp.lowercased().contains("mode=aac-hbr") && sdp.lowercased().contains("config="), "\(sdp)")

            let ffmpeg = try #require(scope.environment.ffmpeg)
            let receiver = try scope.start("ffmpeg-receiver", [
                ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "info", "-progress", "pipe:1",
                "-protocol_whitelist", "file,udp,rtp", "-i", sdpPath, "-t", "3", "-f", "null", "-",
            ])
            let status = try await receiver.waitForExit(timeout: .seconds(30))
            let log = receiver.text(.stderr)
            let frames = receiver.text(.stdout).matches(of: /frame=(\d+)/).compactMap { Int($0.1) }.last ?? 0
            let audioKiB = log.matches(of: /audio:(\d+)(?:KiB|kB)/).compactMap { Int($0.1) }.last ?? 0
            print("RTSP AAC → RTP egress → ffmpeg: frames=\(frames) audio=\(audioKiB)KiB status=\(status)")
            #expect(status == 0, "\(receiver.logTail())")
            #expect(log.contains("Video: h264"), "\(receiver.logTail())")
            #expect(log.contains("Audio: aac"), "\(receiver.logTail())")
            #expect(frames > 30, "\(receiver.logTail())")
            #expect(audioKiB > 0, "no audio decoded: \(receiver.logTail())")

            _ = try await publisher.waitForExit(timeout: .seconds(20))
            #expect(try await scope.waitUntilIdle(gateway, path: "push", timeout: .seconds(10)))
            let files = (FileManager.default.enumerator(atPath: recordings)?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix(".mp4") }.map { recordings + "/" + $0 }
            #expect(!files.isEmpty, "no recording in \(recordings): \(gateway.process.logTail())")
            let ffprobe = URL(fileURLWithPath: ffmpeg).deletingLastPathComponent().appendingPathComponent("ffprobe").path
            for file in files {
                let probe = try scope.start("ffprobe-recording", [
                    ffprobe, "-v", "error", "-show_entries", "stream=codec_name,duration", "-of", "csv=p=0", file,
                ])
                #expect(try await probe.waitForExit(timeout: .seconds(20)) == 0, "\(probe.logTail())")
                let rows = probe.text(.stdout).split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
                let codecs = rows.compactMap(\.first)
                let durations = rows.compactMap { $0.count > 1 ? Double($0[1]) : nil }
                print("RTSP AAC recording \(file): \(rows)")
                #expect(codecs == ["h264", "aac"], "\(file): \(codecs) \(probe.logTail())")
                // Video runs as long as the audio (a whole-stream recording, not just the first GOP).
                if durations.count == 2 {
                    #expect(durations[0] > 0.9 * durations[1] && durations[1] > 5, "\(file): durations \(durations)")
                }
            }
            #expect(gateway.process.isRunning)
        }

        /// Waits until the gateway has written an SDP with the video parameter sets and the audio.
        private func waitForSDP(_ file: String, gateway: GatewayProcess) async throws -> String {
            let deadline = ContinuousClock.now + .seconds(10)
            while true {
                if let data = FileManager.default.contents(atPath: file) {
                    let sdp = String(decoding: data, as: UTF8.self)
                    if sdp.contains("m=audio"), sdp.contains("sprop-parameter-sets=") { return sdp }
                }
                if ContinuousClock.now >= deadline {
                    throw InteropError.timedOut(what: "the gateway to write \(file)", seconds: 10,
                                                log: gateway.process.logTail())
                }
                try await Task.sleep(for: ManagedProcess.pollInterval)
            }
        }
    }
}
