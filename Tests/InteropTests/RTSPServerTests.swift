import Foundation
import Testing

extension InteropSuite {
    /// The gateway's RTSP server (RFC 2326) against ffmpeg/ffprobe, real third-party RTSP clients:
    /// reading a path over TCP-interleaved and UDP transport, publishing into a path with
    /// ANNOUNCE/RECORD (read back over RTSP and by Chromium via WHEP), per-path Digest/Basic
    /// authentication. The server is on its default address (0.0.0.0:8554, UDP 8000/8001) in
    /// each test's own namespace.
    @Suite("RTSP server")
    struct RTSPServerTests {
        static let base = "rtsp://127.0.0.1:8554"

        @Test("ffprobe and ffmpeg read the demo path over RTSP", .requires(.root, .ip, .ffmpeg, .gateway, .curl),
              .timeLimit(.minutes(1)), arguments: ["tcp", "udp"])
        func readDemo(transport: String) async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startGateway(["--path", "demo=demo", "--path", "push=publisher"])
            try await scope.waitUntilReady(gateway, path: "demo")

            let probe = try await scope.ffprobe("\(Self.base)/demo", transport: transport)
            #expect(probe.status == 0, "\(probe.log)")
            #expect(probe.streams.contains("codec_name=h264|codec_type=video|width=640|height=360"), "\(probe.log)")
            #expect(probe.streams.contains("codec_name=opus|codec_type=audio"), "\(probe.log)")

            let decoded = try await scope.ffmpegDecode("\(Self.base)/demo", transport: transport, seconds: 3)
            print("RTSP \(transport) read of demo: frames=\(decoded.frames) status=\(decoded.status)")
            #expect(decoded.status == 0, "\(decoded.log)")
            #expect(decoded.frames > 30, "\(decoded.log)")
            #expect(gateway.process.isRunning)
        }

        @Test("ffmpeg publishes with ANNOUNCE/RECORD → ffprobe reads it over RTSP, Chromium via WHEP",
              .requires(InteropTool.browserAgainstGateway + [.ffmpeg, .curl]), .timeLimit(.minutes(2)),
              arguments: ["tcp", "udp"])
        func publishThenRead(transport: String) async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startGateway(["--path", "demo=demo", "--path", "push=publisher"])
            let ffmpeg = try #require(scope.environment.ffmpeg)
            let publisher = try scope.start("ffmpeg-publisher", [
                ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "warning", "-re",
                "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=25",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=25",
                "-c:v", "libx264", "-profile:v", "baseline", "-preset", "ultrafast", "-tune", "zerolatency",
                "-g", "30", "-keyint_min", "30", "-sc_threshold", "0", "-bf", "0", "-pix_fmt", "yuv420p", "-b:v", "1M",
                "-c:a", "libopus", "-b:a", "64k", "-ac", "2", "-ar", "48000",
                "-f", "rtsp", "-rtsp_transport", transport, "\(Self.base)/push",
            ])
            try await scope.waitUntilReady(gateway, path: "push", timeout: .seconds(20))

            let probe = try await scope.ffprobe("\(Self.base)/push", transport: "tcp")
            #expect(probe.status == 0, "\(probe.log)")
            #expect(probe.streams.contains("codec_name=h264|codec_type=video|width=640|height=360"), "\(probe.log)")
            #expect(probe.streams.contains("codec_name=opus|codec_type=audio"), "\(probe.log)")

            let viewer = try await scope.runBrowser(["whep", gateway.url("/push/whep"), "--seconds", "3"])
            print("RTSP \(transport) publish → WHEP: framesDecoded=\(viewer.framesDecoded ?? 0) "
                + "firstFrameMs=\(viewer.firstFrameMs.map(String.init) ?? "nil")")
            #expect(viewer.ok, "\(viewer.json)")
            #expect((viewer.framesDecoded ?? 0) > 0, "\(viewer.json)")
            #expect(viewer.codec == "video/H264", "\(viewer.json)")
            #expect(publisher.isRunning, "\(publisher.logTail())")
            publisher.send(SIGINT)
            #expect(try await scope.waitUntilIdle(gateway, path: "push", timeout: .seconds(10)),
                    "path still has a publisher after ffmpeg left")
            #expect(gateway.process.isRunning)
        }

        @Test("readUsers: without credentials 401, with them (Digest) the stream",
              .requires(.root, .ip, .ffmpeg, .gateway, .curl), .timeLimit(.minutes(1)))
        func authentication() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startDemoGateway(config: "paths:\n  demo: {source: demo, readUsers: [\"viewer:s3cret\"]}\n")

            try await scope.expectRTSPReadNeedsCredentials(path: "demo", wrong: "viewer:nope", right: "viewer:s3cret")
            let log = gateway.process.text(.stdout) + gateway.process.text(.stderr)
            #expect(log.contains("RTSP authentication failed"), "no failed-auth log line")
            #expect(!log.contains("s3cret") && !log.contains("nope"), "a password reached the log")
            #expect(gateway.process.isRunning)
        }

        @Test("Malformed RTSP input closes that connection (or resyncs); other clients and the gateway carry on",
              .requires(.root, .ip, .ffmpeg, .gateway, .curl), .timeLimit(.minutes(1)))
        func badInput() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startGateway(["--path", "demo=demo"])
            try await scope.waitUntilReady(gateway, path: "demo")
            let (client, report) = try await scope.runPython("bad-rtsp", Self.badClientScript, ["127.0.0.1", "8554"])
            print("RTSP bad input:\n\(report)")
            for case_ in ["truncated", "negative-length", "huge-length", "interleaved-garbage", "many-headers"] {
                #expect(report.contains("\(case_): ok"), "\(case_): \(client.logTail())")
            }
            let probe = try await scope.ffprobe("\(Self.base)/demo", transport: "tcp")
            #expect(probe.status == 0, "\(probe.log)")
            #expect(gateway.process.isRunning)
        }

        /// Python for the scripts: `host`, `port` from argv[1], argv[2]; `connect()`; `request(s, text)`
        /// → the status line, or None when the server closed the connection.
        static let pythonClient = #"""
        import socket, sys, time
        host, port = sys.argv[1], int(sys.argv[2])

        def connect():
            s = socket.create_connection((host, port), timeout=5)
            return s

        def request(s, text):
            s.sendall(text.encode())
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = s.recv(65536)
                if not chunk:
                    return None
                data += chunk
            return data.split(b"\r\n", 1)[0].decode()

        """#

        /// Each case: a good client (OPTIONS answered 200) stays usable while a bad one sends its
        /// bytes; the bad connection must be closed by the server, or (garbage between interleaved
        /// frames) still answer a request after resyncing.
        static let badClientScript = pythonClient + #"""

        def closed_by_server(s, timeout=10):
            s.settimeout(timeout)
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        return True
            except ConnectionResetError:
                return True
            except socket.timeout:
                return False

        def options(cseq):
            return f"OPTIONS rtsp://{host}:{port}/demo RTSP/1.0\r\nCSeq: {cseq}\r\n\r\n"

        good = connect()
        failures = 0
        def check(name, ok):
            global failures
            line = request(good, options(len(name)))
            good_ok = line is not None and " 200 " in line
            print(f"{name}: {'ok' if ok and good_ok else 'FAILED'} (bad side ok={ok}, good client: {line})", flush=True)
            if not (ok and good_ok):
                failures += 1

        # Truncated headers, then the client goes quiet: answered nothing; the server keeps at most
        # the buffered bytes and frees the connection when the client closes.
        s = connect(); s.sendall(b"DESCRIBE rtsp://x/demo RTSP/1.0\r\nCSeq: 1\r\nAccept: app")
        s.settimeout(1)
        try:
            answered = s.recv(100)
        except socket.timeout:
            answered = b""
        s.close()
        check("truncated", answered == b"")

        s = connect(); s.sendall(b"ANNOUNCE rtsp://x/demo RTSP/1.0\r\nCSeq: 1\r\nContent-Length: -5\r\n\r\n")
        check("negative-length", closed_by_server(s))

        s = connect(); s.sendall(b"ANNOUNCE rtsp://x/demo RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 99999999999\r\n\r\n")
        check("huge-length", closed_by_server(s))

        s = connect()
        s.sendall(b"$\x00\x00\x04abcd" + b"\xff\xfe garbage \x00\x01" * 20 + b"$\x05\x00\x02zz")
        line = request(s, options(7))
        check("interleaved-garbage", line is not None and " 200 " in line)
        s.close()

        s = connect()
        headers = "".join(f"X-H{i}: v\r\n" for i in range(10000))
        try:
            s.sendall((f"OPTIONS rtsp://x/demo RTSP/1.0\r\nCSeq: 1\r\n{headers}\r\n").encode())
        except (BrokenPipeError, ConnectionResetError):
            pass
        check("many-headers", closed_by_server(s))
        good.close()
        sys.exit(1 if failures else 0)
        """#
    }
}

extension InteropScope {
    struct ProbeResult {
        var status: Int32
        /// `stream|codec_name=…|…` lines.
        var streams: [String]
        var log: String
    }

    /// `ffprobe` of an RTSP URL over `transport` (`tcp` or `udp`), with the stream fields RTSP tests check.
    /// Starts the gateway with `config` as its YAML file and waits until the demo path is ready.
    func startDemoGateway(config: String) async throws -> GatewayProcess {
        let configFile = file("rtcbridge.yml")
        try config.write(toFile: configFile, atomically: true, encoding: .utf8)
        let gateway = try await startGateway(["--config", configFile])
        try await waitUntilReady(gateway, path: "demo")
        return gateway
    }

    /// Runs a Python script (Debian's python3) with `arguments`, expects exit status 0 within 40 s,
    /// and returns the process and what it printed.
    func runPython(_ name: String, _ text: String, _ arguments: [String]) async throws -> (ManagedProcess, String) {
        let script = file("\(name).py")
        try text.write(toFile: script, atomically: true, encoding: .utf8)
        let process = try start(name, ["/usr/bin/python3", script] + arguments)
        let status = try await process.waitForExit(timeout: .seconds(40))
        #expect(status == 0, "\(process.logTail())")
        return (process, process.text(.stdout))
    }

    /// ffprobe of the demo stream at `path` over TCP: refused (401) without credentials and with
    /// `wrong`, read with `right` (each "user:password").
    func expectRTSPReadNeedsCredentials(path: String, wrong: String, right: String) async throws {
        let anonymous = try await ffprobe("rtsp://127.0.0.1:8554/\(path)", transport: "tcp")
        #expect(anonymous.status != 0, "\(anonymous.log)")
        #expect(anonymous.log.contains("401"), "\(anonymous.log)")
        let refused = try await ffprobe("rtsp://\(wrong)@127.0.0.1:8554/\(path)", transport: "tcp")
        #expect(refused.status != 0, "\(refused.log)")
        let allowed = try await ffprobe("rtsp://\(right)@127.0.0.1:8554/\(path)", transport: "tcp")
        #expect(allowed.status == 0, "\(allowed.log)")
        #expect(allowed.streams.contains("codec_name=h264|codec_type=video|width=640|height=360"), "\(allowed.log)")
    }

    func ffprobe(_ url: String, transport: String) async throws -> ProbeResult {
        let ffmpeg = try #require(environment.ffmpeg)
        let ffprobe = URL(fileURLWithPath: ffmpeg).deletingLastPathComponent().appendingPathComponent("ffprobe").path
        let process = try start("ffprobe", [
            ffprobe, "-v", "error", "-timeout", "10000000", "-rtsp_transport", transport,
            "-show_entries", "stream=codec_name,codec_type,width,height", "-of", "compact", url,
        ])
        let status = try await process.waitForExit(timeout: .seconds(30))
        let streams = process.text(.stdout).split(separator: "\n").map { line in
            String(line).replacingOccurrences(of: "stream|", with: "")
        }
        return ProbeResult(status: status, streams: streams, log: process.logTail())
    }

    /// Decodes `seconds` of an RTSP URL with ffmpeg; the number of video frames decoded.
    func ffmpegDecode(_ url: String, transport: String, seconds: Int) async throws -> (status: Int32, frames: Int, log: String) {
        let ffmpeg = try #require(environment.ffmpeg)
        let process = try start("ffmpeg-reader", [
            ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "info", "-progress", "pipe:1",
            "-rtsp_transport", transport, "-i", url, "-t", String(seconds), "-f", "null", "-",
        ])
        let status = try await process.waitForExit(timeout: .seconds(30))
        let frames = process.text(.stdout).matches(of: /frame=(\d+)/).compactMap { Int($0.1) }.last ?? 0
        return (status, frames, process.logTail())
    }
}
