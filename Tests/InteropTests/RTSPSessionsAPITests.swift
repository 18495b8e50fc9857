import Foundation
import Testing

extension InteropSuite {
    /// Issue #12: RTSP sessions in the control API (listed next to the WebRTC ones, kicked like a
    /// TEARDOWN), and per-path tokens changed by reload and PATCH without touching sessions.
    @Suite("RTSP sessions in the control API, token reload")
    struct RTSPSessionsAPITests {
        static let adminToken = ControlAPITests.adminToken

        static func config(readToken: String) -> String {
            """
            api: { adminToken: \(adminToken) }
            paths:
              demo: { source: demo, readToken: \(readToken) }
              free: { source: demo }
            """
        }

        func reader(_ scope: InteropScope, _ url: String, transport: String) throws -> ManagedProcess {
            let ffmpeg = try #require(scope.environment.ffmpeg)
            return try scope.start("ffmpeg-rtsp-reader-\(transport)", [
                ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "info", "-progress", "pipe:1",
                "-rtsp_transport", transport, "-i", url, "-c", "copy", "-f", "null", "-",
            ])
        }

        func mediaRead(_ reader: ManagedProcess) -> Int {
            reader.lines().compactMap { line in
                line.hasPrefix("out_time_us=") ? Int(line.dropFirst("out_time_us=".count)) : nil
            }.max() ?? 0
        }

        func waitForMedia(_ reader: ManagedProcess, beyond microseconds: Int) async throws {
            try await reader.waitForLine(.stdout, timeout: .seconds(30), what: "media past \(microseconds) µs") { line in
                guard line.hasPrefix("out_time_us="), let us = Int(line.dropFirst("out_time_us=".count)) else { return false }
                return us > microseconds
            }
        }

        @Test("GET /v1/sessions lists RTSP readers (tcp, udp); DELETE kicks one (ffmpeg exits); tokens change on SIGHUP and PATCH, the reader stays",
              .requires(.root, .ip, .ffmpeg, .gateway, .curl), .timeLimit(.minutes(3)))
        func rtspSessionsAndTokenReload() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let configFile = scope.file("rtcbridge.yml")
            try Self.config(readToken: "old-token").write(toFile: configFile, atomically: true, encoding: .utf8)
            let gateway = try await scope.startGateway(["--config", configFile])
            try await scope.waitUntilReady(gateway, path: "demo")
            try await scope.waitUntilReady(gateway, path: "free")
            let auth = ["Authorization": "Bearer \(Self.adminToken)"]
            func call(_ method: String, _ path: String, _ body: String? = nil) async throws -> HTTPExchange {
                try await scope.http(method, gateway.url(path),
                                     headers: body == nil ? auth : auth.merging(["Content-Type": "application/json"]) { $1 },
                                     body: body.map { Data($0.utf8) })
            }

            // Two RTSP readers: `demo` over TCP with the path's token (Digest), `free` over UDP.
            let tcpReader = try reader(scope, "rtsp://viewer:old-token@127.0.0.1:8554/demo", transport: "tcp")
            let udpReader = try reader(scope, "rtsp://127.0.0.1:8554/free", transport: "udp")
            try await waitForMedia(tcpReader, beyond: 1_000_000)
            try await waitForMedia(udpReader, beyond: 1_000_000)

            let listed = try await call("GET", "/v1/sessions")
            #expect(listed.status == 200, "\(listed.body)")
            let rtsp = ControlAPITests.array(listed).filter { $0["kind"] as? String == "rtsp" }
            #expect(rtsp.count == 2, "\(listed.body)")
            let byPath = Dictionary(rtsp.map { ($0["path"] as? String ?? "?", $0) }) { $1 }
            let tcp = try #require(byPath["demo"]), udp = try #require(byPath["free"])
            #expect(tcp["transport"] as? String == "tcp" && udp["transport"] as? String == "udp", "\(listed.body)")
            for session in [tcp, udp] {
                #expect(session["action"] as? String == "read", "\(session)")
                #expect((session["id"] as? String)?.hasPrefix("rtsp-") == true, "\(session)")
                #expect((session["remoteAddress"] as? String)?.hasPrefix("127.0.0.1:") == true, "\(session)")
                #expect((session["packetsSent"] as? Int ?? 0) > 0 && (session["bytesSent"] as? Int ?? 0) > 0, "\(session)")
                #expect(session["startedAt"] as? String != nil, "\(session)")
            }
            print("rtsp sessions: \(rtsp.map { "\($0["id"] ?? "?") \($0["path"] ?? "?") \($0["transport"] ?? "?") packets=\($0["packetsSent"] ?? 0)" })")

            // Reload with a new read token: the old one is refused from then on, the new one
            // accepted; the TCP reader that authenticated with the old one keeps reading.
            let readBefore = mediaRead(tcpReader)
            try Self.config(readToken: "new-token").write(toFile: configFile, atomically: true, encoding: .utf8)
            let reloaded = try await call("POST", "/v1/reload")
            #expect(reloaded.status == 200 && ControlAPITests.object(reloaded)["unchanged"] as? [String] == ["demo", "free"],
                    "\(reloaded.body)")
            let oldRTSP = try await scope.ffprobe("rtsp://viewer:old-token@127.0.0.1:8554/demo", transport: "tcp")
            #expect(oldRTSP.status != 0 && oldRTSP.log.contains("401"), "the old token still reads over RTSP: \(oldRTSP.log)")
            let newRTSP = try await scope.ffprobe("rtsp://viewer:new-token@127.0.0.1:8554/demo", transport: "tcp")
            #expect(newRTSP.status == 0, "\(newRTSP.log)")
            func whep(_ token: String) async throws -> Int {
                try await scope.http("POST", gateway.url("/demo/whep"), headers: ["Content-Type": "application/sdp", "Authorization": "Bearer \(token)"],
                                     body: Data(SampleOffers.recvonly.utf8)).status
            }
            #expect(try await whep("old-token") == 401)
            #expect(try await whep("new-token") == 201)

            // SIGHUP back to the old token, then PATCH a third one through the API.
            try Self.config(readToken: "old-token").write(toFile: configFile, atomically: true, encoding: .utf8)
            gateway.process.send(SIGHUP)
            var accepted = false
            for _ in 0..<40 where !accepted {
                accepted = try await whep("old-token") == 201
                if !accepted { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(accepted, "SIGHUP did not bring the old token back")
            #expect(try await whep("new-token") == 401)
            let patched = try await call("PATCH", "/v1/paths/demo", #"{"readToken":"patched-token"}"#)
            #expect(patched.status == 200, "\(patched.body)")
            #expect(try await whep("old-token") == 401)
            #expect(try await whep("patched-token") == 201)
            let patchedRTSP = try await scope.ffprobe("rtsp://viewer:patched-token@127.0.0.1:8554/demo", transport: "tcp")
            #expect(patchedRTSP.status == 0, "\(patchedRTSP.log)")
            try await waitForMedia(tcpReader, beyond: readBefore + 1_000_000)
            #expect(tcpReader.isRunning, "the reader on the reloaded path was touched: \(tcpReader.logTail())")

            // Kick both RTSP readers: each ffmpeg sees its session end and exits.
            for (session, process) in [(tcp, tcpReader), (udp, udpReader)] {
                let id = try #require(session["id"] as? String)
                let started = ContinuousClock.now
                let kicked = try await call("DELETE", "/v1/sessions/\(id)")
                #expect(kicked.status == 204, "\(kicked.status) \(kicked.body)")
                _ = try await process.waitForExit(timeout: .seconds(20))
                print("rtsp kick \(session["transport"] ?? "?"): ffmpeg exited after \(ContinuousClock.now - started)")
                let again = try await call("DELETE", "/v1/sessions/\(id)")
                #expect(again.status == 404, "\(again.body)")
            }
            let after = try await call("GET", "/v1/sessions")
            #expect(!ControlAPITests.array(after).contains { $0["kind"] as? String == "rtsp" }, "\(after.body)")
            #expect(gateway.process.isRunning)
            let log = gateway.process.text(.stdout) + gateway.process.text(.stderr)
            for secret in ["old-token", "new-token", "patched-token"] { #expect(!log.contains(secret), "\(secret) reached the log") }
        }
    }
}
