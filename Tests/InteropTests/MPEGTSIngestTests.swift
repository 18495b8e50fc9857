import Foundation
import Testing

extension InteropSuite {
    /// MPEG-TS over UDP as ffmpeg sends it (`-f mpegts udp://…`, 7 packets per datagram) into a
    /// `udp+mpegts://` path: Chromium decodes it over WHEP (H.264 + Opus), and RTSP readers get
    /// what the PMT announced (H.264 + AAC, H.265 + AAC). Each test runs in its own namespace.
    @Suite("MPEG-TS over UDP ingest")
    struct MPEGTSIngestTests {
        /// ffmpeg sending test pictures and a tone as MPEG-TS to `host:port` for `seconds`.
        private func startSender(_ scope: InteropScope, host: String = "127.0.0.1", port: Int, seconds: Int,
                                 video: [String], audio: [String], size: String = "640x360", options: String = "") throws -> ManagedProcess {
            let ffmpeg = try #require(scope.environment.ffmpeg)
            return try scope.start("ffmpeg-mpegts-\(port)", [
                ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "warning", "-re",
                "-f", "lavfi", "-i", "testsrc2=size=\(size):rate=30:duration=\(seconds)",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=\(seconds)",
            ] + video + ["-g", "30", "-keyint_min", "30", "-bf", "0", "-pix_fmt", "yuv420p"] + audio + [
                "-f", "mpegts", "udp://\(host):\(port)?pkt_size=1316\(options)",
            ])
        }

        static let h264 = ["-c:v", "libx264", "-profile:v", "baseline", "-preset", "ultrafast", "-tune", "zerolatency",
                           "-sc_threshold", "0", "-b:v", "1M"]
        static let h265 = ["-c:v", "libx265", "-preset", "ultrafast", "-tune", "zerolatency",
                           "-x265-params", "keyint=30:min-keyint=30:scenecut=0:log-level=error"]
        static let opus = ["-c:a", "libopus", "-b:a", "64k", "-ar", "48000"]
        static let aac = ["-c:a", "aac", "-b:a", "96k", "-ac", "2", "-ar", "48000"]

        @Test("ffmpeg H.264 + Opus in MPEG-TS over UDP → rtcbridge → Chromium WHEP",
              .requires(InteropTool.browserAgainstGateway + [.ffmpeg, .curl]), .timeLimit(.minutes(2)))
        func mpegTSToChromium() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startGateway(["--path", "tv=udp+mpegts://127.0.0.1:1234"])
            let sender = try startSender(scope, port: 1234, seconds: 25, video: Self.h264, audio: Self.opus)
            try await scope.waitUntilReady(gateway, path: "tv", timeout: .seconds(20))

            let report = try await scope.runBrowser(["whep", gateway.url("/tv/whep"), "--seconds", "3"])
            print("MPEG-TS → WHEP: firstFrameMs=\(report.firstFrameMs.map(String.init) ?? "nil") "
                + "framesDecoded=\(report.framesDecoded ?? 0) audioPackets=\(report.audioPackets ?? 0)")
            #expect(report.ok, "\(report.json)")
            #expect((report.framesDecoded ?? 0) > 0)
            #expect((report.audioPackets ?? 0) > 0)
            #expect(report.codec == "video/H264")
            #expect(report.audioCodec == "audio/opus")
            #expect(report.width == 640 && report.height == 360, "\(report.json)")
            #expect(sender.isRunning, "ffmpeg ended before the viewer finished: \(sender.logTail())")
            let log = gateway.process.text(.stdout) + gateway.process.text(.stderr)
            #expect(log.contains("MPEG-TS source ready"), "\(gateway.process.logTail())")
            #expect(gateway.process.isRunning)
        }

        @Test("ffmpeg H.264 + AAC (ADTS) in MPEG-TS → Chromium WHEP hears it as Opus",
              .requires(InteropTool.browserAgainstGateway + [.ffmpeg, .curl]), .timeLimit(.minutes(2)))
        func mpegTSAACToChromium() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startGateway(["--path", "tv=udp+mpegts://127.0.0.1:1234"])
            let sender = try startSender(scope, port: 1234, seconds: 25, video: Self.h264, audio: Self.aac)
            try await scope.waitUntilReady(gateway, path: "tv", timeout: .seconds(20))

            let report = try await scope.runBrowser(["whep", gateway.url("/tv/whep"), "--seconds", "3", "--audio-stats"])
            print("MPEG-TS AAC → Opus → WHEP: audioPackets=\(report.audioPackets ?? 0) "
                + "totalSamplesReceived=\(report.audioSamples ?? 0) audioLevel=\(report.audioLevel ?? 0)")
            #expect(report.ok, "\(report.json)")
            #expect((report.framesDecoded ?? 0) > 0)
            #expect(report.audioCodec == "audio/opus", "\(report.json)")
            #expect((report.audioSamples ?? 0) > (report.audioSamplesEarly ?? 0) + 48_000, "\(report.json)")
            #expect((report.audioLevel ?? 0) > 0.01, "silent audio: \(report.json)")
            #expect(sender.isRunning, "ffmpeg ended before the viewer finished: \(sender.logTail())")
        }

        @Test("ffprobe over RTSP reads H.264 + AAC and H.265 + AAC from MPEG-TS paths; the recording holds H.264 + AAC",
              .requires(.root, .ip, .ffmpeg, .gateway, .curl), .timeLimit(.minutes(2)))
        func mpegTSToRTSP() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let recordings = scope.file("recordings")
            try FileManager.default.createDirectory(atPath: recordings, withIntermediateDirectories: true)
            let gateway = try await scope.startGateway([
                "--path", "tv=udp+mpegts://127.0.0.1:1234", "--path", "hevc=udp+mpegts://0.0.0.0:1236",
                "--record", "tv=\(recordings)",
            ])
            let avc = try startSender(scope, port: 1234, seconds: 25, video: Self.h264, audio: Self.aac)
            let hevc = try startSender(scope, port: 1236, seconds: 25, video: Self.h265, audio: Self.aac, size: "320x240")
            try await scope.waitUntilReady(gateway, path: "tv", timeout: .seconds(20))
            try await scope.waitUntilReady(gateway, path: "hevc", timeout: .seconds(20))

            let probe = try await scope.ffprobe("rtsp://127.0.0.1:8554/tv", transport: "tcp")
            print("MPEG-TS H.264 + AAC → RTSP: \(probe.streams)")
            #expect(probe.status == 0, "\(probe.log)")
            #expect(probe.streams.contains("codec_name=h264|codec_type=video|width=640|height=360"), "\(probe.streams) \(probe.log)")
            #expect(probe.streams.contains { $0.hasPrefix("codec_name=aac|codec_type=audio") }, "\(probe.streams) \(probe.log)")

            let probeHEVC = try await scope.ffprobe("rtsp://127.0.0.1:8554/hevc", transport: "tcp")
            print("MPEG-TS H.265 + AAC → RTSP: \(probeHEVC.streams)")
            #expect(probeHEVC.status == 0, "\(probeHEVC.log)")
            #expect(probeHEVC.streams.contains("codec_name=hevc|codec_type=video|width=320|height=240"),
                    "\(probeHEVC.streams) \(probeHEVC.log)")
            #expect(probeHEVC.streams.contains { $0.hasPrefix("codec_name=aac|codec_type=audio") }, "\(probeHEVC.streams)")
            #expect(avc.isRunning && hevc.isRunning, "\(avc.logTail()) \(hevc.logTail())")

            // The recording (fragmented MP4, readable while it grows) holds both streams.
            let ffmpeg = try #require(scope.environment.ffmpeg)
            let ffprobe = URL(fileURLWithPath: ffmpeg).deletingLastPathComponent().appendingPathComponent("ffprobe").path
            let deadline = ContinuousClock.now + .seconds(15)
            var codecs: [String] = []
            while codecs != ["h264", "aac"], ContinuousClock.now < deadline {
                let files = (FileManager.default.enumerator(atPath: recordings)?.allObjects as? [String] ?? [])
                    .filter { $0.hasSuffix(".mp4") }.map { recordings + "/" + $0 }
                if let file = files.first {
                    let probe = try scope.start("ffprobe-recording", [
                        ffprobe, "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", file,
                    ])
                    _ = try await probe.waitForExit(timeout: .seconds(20))
                    codecs = probe.text(.stdout).split(separator: "\n").map(String.init)
                }
                if codecs != ["h264", "aac"] { try await Task.sleep(for: ManagedProcess.pollInterval) }
            }
            print("MPEG-TS recording: \(codecs)")
            #expect(codecs == ["h264", "aac"], "\(gateway.process.logTail())")
            #expect(gateway.process.isRunning)
        }

        @Test("A multicast group is joined on the interface ?interface= names",
              .requires(.root, .ip, .ffmpeg, .gateway, .curl), .timeLimit(.minutes(1)))
        func multicastGroup() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let ip = try #require(scope.environment.ip)
            // The namespace's loopback carries multicast: the group is routed there.
            for argv in [["link", "set", "lo", "multicast", "on"], ["route", "add", "239.0.0.0/8", "dev", "lo"]] {
                let setup = try scope.start("ip-\(argv[0])", [ip] + argv)
                #expect(try await setup.waitForExit(timeout: .seconds(10)) == 0, "\(setup.logTail())")
            }
            let gateway = try await scope.startGateway(["--path", "mc=udp+mpegts://239.1.2.3:1234?interface=lo"])
            let sender = try startSender(scope, host: "239.1.2.3", port: 1234, seconds: 20, video: Self.h264, audio: Self.opus,
                                         options: "&localaddr=127.0.0.1&ttl=1")
            try await scope.waitUntilReady(gateway, path: "mc", timeout: .seconds(20))
            let probe = try await scope.ffprobe("rtsp://127.0.0.1:8554/mc", transport: "tcp")
            print("MPEG-TS multicast → RTSP: \(probe.streams)")
            #expect(probe.streams.contains("codec_name=h264|codec_type=video|width=640|height=360"), "\(probe.streams) \(probe.log)")
            #expect(probe.streams.contains { $0.hasPrefix("codec_name=opus|codec_type=audio") }, "\(probe.streams)")
            #expect(sender.isRunning, "\(sender.logTail())")
            #expect(gateway.process.isRunning)
        }

        @Test("1000 random datagrams at the MPEG-TS port: dropped, counted and logged; the path plays on",
              .requires(.root, .ip, .ffmpeg, .gateway, .curl), .timeLimit(.minutes(1)))
        func garbageDatagrams() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startGateway(["--path", "tv=udp+mpegts://127.0.0.1:1234", "--path", "demo=demo"])
            let sender = try startSender(scope, port: 1234, seconds: 25, video: Self.h264, audio: Self.opus)
            try await scope.waitUntilReady(gateway, path: "tv", timeout: .seconds(20))
            let before = try #require(try await scope.stats(of: gateway).path("tv")).unitsIn

            let blaster = try scope.start("udp-garbage", [
                scope.environment.python, scope.environment.script("udp-garbage.py"),
                "127.0.0.1", "1234", "--random", "1000", "--stun", "0", "--rtp", "0", "--dtls", "0",
            ])
            #expect(try await blaster.waitForExit(timeout: .seconds(30)) == 0, "\(blaster.logTail())")

            let probe = try await scope.ffprobe("rtsp://127.0.0.1:8554/tv", transport: "tcp")
            #expect(probe.streams.contains("codec_name=h264|codec_type=video|width=640|height=360"), "\(probe.streams) \(probe.log)")
            let demo = try await scope.ffprobe("rtsp://127.0.0.1:8554/demo", transport: "tcp")
            #expect(demo.status == 0 && demo.streams.contains { $0.hasPrefix("codec_name=h264") }, "\(demo.streams)")
            let after = try #require(try await scope.stats(of: gateway).path("tv")).unitsIn
            print("MPEG-TS garbage: units in \(before) before the blast, \(after) after")
            #expect(after > before + 30)
            let log = gateway.process.text(.stdout) + gateway.process.text(.stderr)
            #expect(log.contains("MPEG-TS input damaged"), "\(gateway.process.logTail())")
            #expect(sender.isRunning && gateway.process.isRunning, "\(sender.logTail()) \(gateway.process.logTail())")
        }
    }
}
