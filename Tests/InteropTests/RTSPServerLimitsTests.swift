import Foundation
import Testing

extension InteropSuite {
    /// Issue #8 fault scenario against the real binary, limits from the config file: 1,000 idle RTSP
    /// connections against `maxConnections: 100` — 900 closed on arrival, a client over the cap
    /// refused, the 100 idle ones closed after `idleTimeout`, then a new client answered and ffprobe
    /// reads the stream.
    @Suite("RTSP server limits")
    struct RTSPServerLimitsTests {
        @Test("1,000 idle RTSP connections: capped, timed out, new clients served",
              .requires(.root, .ip, .ffmpeg, .gateway, .curl), .timeLimit(.minutes(1)))
        func idleFlood() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startDemoGateway(
                config: "rtsp: { maxConnections: 100, maxConnectionsPerClient: 1000, idleTimeout: 5 }\npaths:\n  demo: {source: demo}\n")
            let (client, report) = try await scope.runPython("idle-flood", Self.floodScript, ["127.0.0.1", "8554", "1000", "100", "5"])
            print("RTSP idle flood:\n\(report)")
            #expect(report.contains("result: ok"), "\(client.logTail())")
            let probe = try await scope.ffprobe("rtsp://127.0.0.1:8554/demo", transport: "tcp")
            #expect(probe.status == 0, "\(probe.log)")
            #expect(gateway.process.allText.contains("RTSP connection cap reached"))
            #expect(gateway.process.isRunning)
        }

        /// argv: host port total cap idleSeconds. Prints what happened and "result: ok" or "result: FAILED".
        static let floodScript = RTSPServerTests.pythonClient + #"""
        import selectors
        total, cap, idle = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])

        def options():
            try:
                s = connect()
                status = request(s, "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n")
                s.close()
                return status
            except OSError:
                return None

        selector = selectors.DefaultSelector()
        for _ in range(total):
            s = socket.create_connection((host, port), timeout=5)
            s.setblocking(False)
            selector.register(s, selectors.EVENT_READ)

        def wait_closed(expected, seconds):
            closed, deadline = 0, time.time() + seconds
            while closed < expected and time.time() < deadline:
                for key, _ in selector.select(timeout=max(0.0, deadline - time.time())):
                    try:
                        data = key.fileobj.recv(4096)
                    except BlockingIOError:
                        continue
                    except OSError:
                        data = b""
                    if not data:
                        selector.unregister(key.fileobj)
                        key.fileobj.close()
                        closed += 1
            return closed

        refused = wait_closed(total - cap, 10)
        print(f"closed on arrival: {refused} of {total} (cap {cap})")
        over = options()
        print(f"a client over the cap: {over}")
        start = time.time()
        timed_out = wait_closed(cap, idle + 10)
        print(f"idle ones closed: {timed_out} after {time.time() - start:.1f} s")
        after = options()
        print(f"a client after: {after}")
        ok = refused == total - cap and over is None and timed_out == cap and after == "RTSP/1.0 200 OK"
        print("result: ok" if ok else "result: FAILED")
        sys.exit(0 if ok else 1)
        """#
    }
}
