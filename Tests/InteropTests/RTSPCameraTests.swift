import Foundation
import Testing

extension InteropSuite {
    /// A GStreamer RTSP camera (`Scripts/rtsp-cam.py`: gst-rtsp-server, x264 zerolatency H.264 +
    /// PCMU or Opus, Digest auth) pulled by the gateway and watched by headless Chromium over WHEP.
    @Suite("RTSP camera → Chromium")
    struct RTSPCameraTests {
        static let user = "admin"
        static let password = "s3cretPass"
        static var cameraURL: String { "rtsp://\(user):\(password)@127.0.0.1:8554/cam" }

        @Test("Digest camera, H.264 + PCMU over UDP → Chromium WHEP",
              .requires(InteropTool.browserAgainstGateway + [.curl]), .rtspCamera, .timeLimit(.minutes(2)))
        func pcmuOverUDP() async throws {
            try await playsInChromium(audio: "pcmu", transport: "udp", audioCodec: "audio/PCMU")
        }

        @Test("Digest camera, H.264 + Opus over TCP → Chromium WHEP",
              .requires(InteropTool.browserAgainstGateway + [.curl]), .rtspCamera, .timeLimit(.minutes(2)))
        func opusOverTCP() async throws {
            try await playsInChromium(audio: "opus", transport: "tcp", audioCodec: "audio/opus")
        }

        private func playsInChromium(audio: String, transport: String, audioCodec: String) async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let camera = try await scope.startRTSPCamera(["--auth", "digest", "--audio", audio])
            let gateway = try await scope.startGateway(try scope.rtspConfig(["rtspTransport": transport]))
            try await scope.waitUntilReady(gateway, path: "cam")
            let playing = try await gateway.process.waitForLine(.stderr, timeout: .seconds(5), what: "playing line") {
                $0.contains("RTSP source playing")
            }
            #expect(playing.line.contains("transport=\(transport)"), "\(playing.line)")

            let report = try await scope.runBrowser(["whep", gateway.url("/cam/whep"), "--seconds", "3"])
            print("RTSP camera (\(audio), \(transport)) → WHEP: firstFrameMs=\(report.firstFrameMs.map(String.init) ?? "nil") "
                + "framesDecoded=\(report.framesDecoded ?? 0) audioPackets=\(report.audioPackets ?? 0)")
            #expect(report.ok, "\(report.json)")
            #expect((report.framesDecoded ?? 0) > 0)
            #expect((report.audioPackets ?? 0) > 0)
            #expect(report.codec == "video/H264")
            #expect(report.audioCodec == audioCodec)
            #expect(report.width == 640 && report.height == 360, "\(report.json)")
            #expect(camera.isRunning && gateway.process.isRunning)
            #expect(!gateway.process.allText.contains(Self.password), "the gateway logged the camera password")
        }

        @Test("Wrong password → clear error, retried with growing backoff, password never logged",
              .requires(.root, .ip, .gateway, .curl), .rtspCamera, .timeLimit(.minutes(1)))
        func wrongPassword() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            _ = try await scope.startRTSPCamera(["--auth", "digest", "--audio", "pcmu"])
            let wrong = "NotThePassword42"
            let gateway = try await scope.startGateway([
                "--path", "cam=rtsp://\(Self.user):\(wrong)@127.0.0.1:8554/cam", "--rtsp", "off",
            ])
            var delays: [Double] = []
            var from = 0
            while delays.count < 3 {
                let (index, line) = try await gateway.process.waitForLine(.stderr, from: from, timeout: .seconds(15),
                                                                          what: "a failed attempt with its retry delay") {
                    $0.contains("RTSP source failed")
                }
                from = index + 1
                #expect(line.contains("authentication failed (wrong user or password)"), "\(line)")
                let match = try #require(line.firstMatch(of: /retry in (\d+\.\d) s/), "\(line)")
                delays.append(Double(match.1) ?? 0)
            }
            print("wrong password: retry delays \(delays) s")
            #expect(delays[0] >= 0.8 && delays[0] <= 1.2, "\(delays)")
            #expect(delays[1] > delays[0] && delays[2] > delays[1], "\(delays)")
            #expect(delays[1] >= 1.6 && delays[1] <= 2.4 && delays[2] >= 3.2 && delays[2] <= 4.8, "\(delays)")
            let log = gateway.process.allText
            #expect(!log.contains(wrong), "the gateway logged the camera password")
            #expect(log.contains("rtsp://\(Self.user):***@127.0.0.1:8554/cam"))
            #expect(gateway.process.isRunning)
        }

        @Test("Camera killed and restarted while Chromium watches: frames resume in the same WHEP session",
              .requires(InteropTool.browserAgainstGateway + [.curl]), .rtspCamera, .timeLimit(.minutes(2)))
        func cameraRestart() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let camera = try await scope.startRTSPCamera(["--auth", "digest", "--audio", "opus"])
            let gateway = try await scope.startGateway(try scope.rtspConfig([:]))
            try await scope.waitUntilReady(gateway, path: "cam")
            let browser = try scope.startBrowser(["whep", gateway.url("/cam/whep"), "--seconds", "14", "--progress",
                                                  "--timeout", "60"])
            let before = try await browser.waitForFrames(above: 30, timeout: .seconds(30))
            camera.send(SIGKILL)
            _ = try await camera.waitForExit(timeout: .seconds(5))
            let killedAt = ContinuousClock.now
            try await Task.sleep(for: .milliseconds(300))
            let restarted = try await scope.startRTSPCamera(["--auth", "digest", "--audio", "opus"])
            let atRestart = browser.latestFrames
            let after = try await browser.waitForFrames(above: atRestart + 30, timeout: .seconds(20))
            print("camera restart: framesDecoded \(before) before the kill, \(atRestart) at the restart, \(after) after; "
                + "resumed within \(ContinuousClock.now - killedAt)")
            _ = try await browser.waitForExit(timeout: .seconds(40))
            let report = try BrowserReport.parse(from: browser)
            #expect(report.ok, "\(report.json)")
            #expect((report.framesDecoded ?? 0) > after)
            let log = gateway.process.allText
            #expect(log.split(separator: "\n").filter { $0.contains("session created") && $0.contains("role=whep") }.count == 1, "a second WHEP session was made")
            #expect(log.components(separatedBy: "RTSP source publishing").count - 1 >= 2)
            #expect(log.contains("retry in"))
            #expect(restarted.isRunning && gateway.process.isRunning)
        }

        @Test("On demand: no camera connection before the first viewer, disconnected after the idle time",
              .requires(InteropTool.browserAgainstGateway + [.curl]), .rtspCamera, .timeLimit(.minutes(2)))
        func onDemand() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let camera = try await scope.startRTSPCamera(["--auth", "digest", "--audio", "opus"])
            let gateway = try await scope.startGateway(try scope.rtspConfig(["onDemand": "true", "onDemandCloseAfter": "2s"]))
            try await Task.sleep(for: .seconds(2))
            #expect(!camera.text().contains("CLIENT connected"), "the gateway connected before any viewer")
            #expect(try await scope.stats(of: gateway).path("cam")?.ready == false)

            let viewerStart = ContinuousClock.now
            let report = try await scope.runBrowser(["whep", gateway.url("/cam/whep"), "--seconds", "2"])
            print("on-demand RTSP → WHEP: firstFrameMs=\(report.firstFrameMs.map(String.init) ?? "nil") "
                + "(WHEP POST → first decoded frame) postMs=\(report.postMs.map(String.init) ?? "nil") "
                + "framesDecoded=\(report.framesDecoded ?? 0)")
            #expect(report.ok, "\(report.json)")
            #expect((report.framesDecoded ?? 0) > 0)
            #expect((report.audioPackets ?? 0) > 0)
            let viewerEnd = ContinuousClock.now
            #expect(camera.text().contains("CLIENT connected"))

            try await camera.waitForLine(matching: "CLIENT closed", timeout: .seconds(10))
            let closedAfter = ContinuousClock.now - viewerEnd
            print("on-demand: camera disconnected \(closedAfter) after the viewer left (viewer ran \(viewerEnd - viewerStart))")
            #expect(closedAfter >= .seconds(1), "disconnected before the idle time")
            #expect(gateway.process.allText.contains("disconnecting on demand"))
        }
    }
}

extension Trait where Self == ConditionTrait {
    /// Debian's python3 with GStreamer's RTSP server bindings (`scripts/install-deps.sh --test`).
    static var rtspCamera: Self {
        let typelib = "/usr/lib/x86_64-linux-gnu/girepository-1.0/GstRtspServer-1.0.typelib"
        let present = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
            && FileManager.default.fileExists(atPath: typelib)
        return .enabled(if: present, "gst-rtsp-server bindings missing (\(typelib)); run scripts/install-deps.sh --test")
    }
}

extension InteropScope {
    /// Starts `Scripts/rtsp-cam.py` (Debian's python3) on 127.0.0.1:8554/cam and waits for READY.
    func startRTSPCamera(_ arguments: [String]) async throws -> ManagedProcess {
        let process = try start("rtsp-cam", ["/usr/bin/python3", environment.script("rtsp-cam.py"),
                                             "--user", RTSPCameraTests.user, "--password", RTSPCameraTests.password]
                                            + arguments)
        try await process.waitForLine(matching: "^READY ", timeout: .seconds(15))
        return process
    }

    /// Gateway arguments with a config file whose path `cam` pulls the camera with `options`.
    func rtspConfig(_ options: [String: String]) throws -> [String] {
        let entries = (["source: \"\(RTSPCameraTests.cameraURL)\""] + options.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" })
        let yaml = "paths:\n  cam: { \(entries.joined(separator: ", ")) }\n"
        let file = file("rtcbridge.yml")
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        return ["--config", file, "--rtsp", "off"]
    }
}

typealias RTSPCameraTests = InteropSuite.RTSPCameraTests

extension ManagedProcess {
    /// Both output streams.
    var allText: String { text(.stdout) + text(.stderr) }

    /// Waits for a `browser.py --progress` line with more than `count` decoded frames; returns it.
    func waitForFrames(above count: Int, timeout: Duration) async throws -> Int {
        let (_, line) = try await waitForLine(from: lines().count, timeout: timeout,
                                              what: "progress framesDecoded > \(count)") { line in
            guard let match = line.firstMatch(of: /progress framesDecoded=(\d+)/), let frames = Int(match.1) else { return false }
            return frames > count
        }
        return line.firstMatch(of: /framesDecoded=(\d+)/).flatMap { Int($0.1) } ?? 0
    }

    /// The frame count of the last `browser.py --progress` line so far.
    var latestFrames: Int {
        lines().last { $0.hasPrefix("progress ") }?.firstMatch(of: /framesDecoded=(\d+)/).flatMap { Int($0.1) } ?? 0
    }
}
