import Foundation
import Testing

extension InteropSuite {
    /// Checks of the harness and the peers themselves, without the gateway: when one of these
    /// fails, a gateway test failure says nothing about the gateway.
    @Suite("Harness self-checks")
    struct HarnessSelfTests {
        @Test("Prerequisites are reported as skip reasons that name the fix")
        func missingPrerequisitesAreReported() {
            let environment = InteropEnvironment(
                environment: ["RTCBRIDGE_BIN": "/nonexistent/rtcbridge", "RTCBRIDGE_PYTHON": "/nonexistent/python",
                              "PATH": "/nonexistent"],
                sourceFile: #filePath)
            let reasons = environment.missing([.gateway, .selenium, .ffmpeg])
            #expect(reasons.count == 3)
            #expect(reasons[0] == "rtcbridge binary not found at /nonexistent/rtcbridge; build it with "
                + "`swift build --product rtcbridge` or set RTCBRIDGE_BIN")
            #expect(reasons[1].contains("/nonexistent/python"))
            #expect(reasons[2].contains("ffmpeg not found"))
            #expect(FileManager.default.fileExists(atPath: environment.packageRoot + "/Package.swift"))
            #expect(FileManager.default.fileExists(atPath: environment.script("browser.py")))
            #expect(FileManager.default.fileExists(atPath: environment.script("web/whep.html")))

            let noRelease = InteropEnvironment(environment: ["RTCBRIDGE_RELEASE_BIN_DIR": "/nonexistent/release"],
                                               sourceFile: #filePath)
            let releaseReasons = noRelease.missing([.releaseGateway, .releaseLoad])
            #expect(releaseReasons.count == 2)
            #expect(releaseReasons.allSatisfy { $0.contains("RTCBRIDGE_RELEASE_BIN_DIR=$(swift build -c release --show-bin-path)") })
            #expect(releaseReasons.first?.contains("/nonexistent/release/rtcbridge;") == true)
            #expect(releaseReasons.last?.contains("/nonexistent/release/RTCBridgeLoad;") == true)
        }

        @Test("The ready line and curl header dumps parse")
        func parsers() throws {
            let ready = try #require(GatewayProcess.parseReadyLine(
                "rtcbridge ready http=http://127.0.0.1:41234 webrtc-udp=50123"))
            #expect(ready.httpBase == "http://127.0.0.1:41234")
            #expect(ready.webrtcPort == 50123)
            #expect(GatewayProcess.parseReadyLine("rtcbridge starting") == nil)

            let dump = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nLocation: /demo/whep/abc\r\n"
                + "ETag: \"1\"\r\nVary: Origin\r\nvary: Accept\r\n\r\n"
            let parsed = try #require(HTTPExchange.parseHeaderDump(dump))
            #expect(parsed.status == 201)
            #expect(parsed.headers["location"] == "/demo/whep/abc")
            #expect(parsed.headers["vary"] == "Origin, Accept")
        }

        @Test("A namespace holds only lo, up, and is gone after teardown",
              .requires(.root, .ip), .timeLimit(.minutes(1)))
        func namespaceLifecycle() throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let namespace = scope.namespace
            #expect(namespace.name.hasPrefix("rtcb-\(getpid())-"))
            #expect(namespace.exists())
            let ip = try #require(scope.environment.ip)
            let links = try NetworkNamespace.run(ip, ["-n", namespace.name, "-o", "link"])
                .split(whereSeparator: \.isNewline)
            #expect(links.count == 1)
            #expect(links.first?.contains("lo:") == true)
            #expect(links.first?.contains("UP") == true)
            let addresses = try NetworkNamespace.run(ip, ["-n", namespace.name, "-4", "-o", "addr"])
            #expect(addresses.contains("127.0.0.1/8"))

            let other = try InteropScope()
            #expect(other.namespace.name != namespace.name)
            other.tearDown()
            #expect(!other.namespace.exists())
            scope.tearDown()
            #expect(!namespace.exists())
        }

        @Test("Waiting for a line, timing out, and terminating by pid (SIGTERM, then SIGKILL)",
              .requires(.root, .ip), .timeLimit(.minutes(1)))
        func processControl() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }

            let polite = try scope.start("polite", ["/bin/sh", "-c", "echo starting; echo 'ready port=4242'; exec sleep 60"])
            let (index, line) = try await polite.waitForLine(matching: #"ready port=\d+"#, timeout: .seconds(5))
            #expect(index == 1)
            #expect(line == "ready port=4242")
            await #expect(throws: InteropError.self) {
                try await polite.waitForLine(matching: "never printed", timeout: .milliseconds(300))
            }
            var start = ContinuousClock.now
            polite.terminate()
            #expect(!polite.isRunning)
            #expect(!polite.wasKilled)
            #expect(ContinuousClock.now - start < .seconds(2))

            // Ignores SIGTERM (so does its `sleep`, which inherits the ignored disposition).
            let stubborn = try scope.start("stubborn", ["/bin/sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.2; done"])
            try await stubborn.waitForLine(matching: "^ready$", timeout: .seconds(5))
            start = ContinuousClock.now
            stubborn.terminate()
            #expect(!stubborn.isRunning)
            #expect(stubborn.wasKilled)
            #expect(ContinuousClock.now - start >= .seconds(3))

            let quitter = try scope.start("quitter", ["/bin/sh", "-c", "echo bye; exit 3"])
            await #expect(throws: InteropError.self) {
                try await quitter.waitForLine(matching: "never printed", timeout: .seconds(5))
            }
            #expect(try await quitter.waitForExit(timeout: .seconds(5)) == 3)
            // Nothing of this scope survives in the namespace.
            scope.tearDown()
            #expect(scope.namespace.pids().isEmpty)
        }

        @Test("ffmpeg in the namespace sends H.264 RTP to a UDP port and writes the SDP first",
              .requires(.root, .ip, .ffmpeg, .selenium), .timeLimit(.minutes(1)))
        func ffmpegSendsRTP() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            // Counts RTP packets with PT 96 on the video port; nothing listens on the audio port,
            // which ffmpeg must survive (the gateway may bind after ffmpeg started).
            let receiver = try scope.start("receiver", [scope.environment.python, "-c", """
                import socket, time
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 5004)); s.settimeout(0.2)
                print("listening", flush=True); n = 0; end = time.monotonic() + 4
                while time.monotonic() < end:
                    try: d = s.recv(2048)
                    except socket.timeout: continue
                    if len(d) >= 12 and d[0] >> 6 == 2 and d[1] & 0x7f == 96: n += 1
                print(f"received {n}", flush=True)
                """])
            try await receiver.waitForLine(matching: "^listening$", timeout: .seconds(10))
            let (camera, sdpPath) = try await scope.startRTPCamera(RTPCameraSource(seconds: 3))
            let sdp = try String(contentsOfFile: sdpPath, encoding: .utf8)
            #expect(sdp.contains("m=video 5004 RTP/AVP 96"))
            #expect(sdp.contains("a=rtpmap:96 H264/90000"))
            #expect(sdp.contains("m=audio 5006 RTP/AVP 111"))
            #expect(sdp.contains("a=rtpmap:111 opus/48000/2"))
            #expect(try await camera.waitForExit(timeout: .seconds(15)) == 0)
            let (_, line) = try await receiver.waitForLine(matching: #"^received \d+$"#, timeout: .seconds(10))
            let count = Int(line.dropFirst("received ".count)) ?? 0
            #expect(count > 60, "only \(count) RTP packets in 3 s of 640x360@30")
        }

        @Test("Chromium in the namespace decodes its own loopback call (pc1 → pc2)",
              .requires(.root, .ip, .chromium, .chromedriver, .selenium), .timeLimit(.minutes(1)))
        func chromiumLoopback() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let report = try await scope.runBrowser(["loopback", "--codec", "H264", "--seconds", "2"], timeout: .seconds(30))
            #expect(report.ok, "\(report.json)")
            #expect((report.framesDecoded ?? 0) > 0)
            #expect((report.audioPackets ?? 0) > 0)
            #expect(report.codec == "video/H264")
        }
    }
}
