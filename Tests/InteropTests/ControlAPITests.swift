import Foundation
import Testing

extension InteropSuite {
    /// The control API (docs/openapi.yaml) and hot reload against the real binary.
    @Suite("Control API and reload")
    struct ControlAPITests {
        static let adminToken = "adm1n-t0ken"
        /// `api.maxBodyBytes` in the tests' config (the smallest allowed).
        static let maxBodyBytes = 1024

        static func config(extra: String = "") -> String {
            """
            api: { adminToken: \(adminToken), maxBodyBytes: \(maxBodyBytes) }
            paths:
              demo: { source: demo }
            \(extra)
            """
        }

        /// `{"error": "…"}` with a non-empty reason.
        static func errorReason(_ exchange: HTTPExchange) -> String? {
            guard let object = try? JSONSerialization.jsonObject(with: Data(exchange.body.utf8)) as? [String: Any],
                  let reason = object["error"] as? String, !reason.isEmpty else { return nil }
            return reason
        }

        static func array(_ exchange: HTTPExchange) -> [[String: Any]] {
            (try? JSONSerialization.jsonObject(with: Data(exchange.body.utf8)) as? [[String: Any]]) ?? []
        }

        static func object(_ exchange: HTTPExchange) -> [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(exchange.body.utf8)) as? [String: Any]) ?? [:]
        }

        @Test("docs/openapi.yaml validates (openapi-spec-validator)", .requires(.root, .ip, .python), .timeLimit(.minutes(1)))
        func specValidates() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let spec = scope.environment.packageRoot + "/docs/openapi.yaml"
            let validator = try scope.start("openapi-spec-validator", [scope.environment.python, "-m", "openapi_spec_validator", spec])
            let status = try await validator.waitForExit(timeout: .seconds(30))
            #expect(status == 0, "\(validator.logTail())")
            #expect(validator.text(.stdout).contains("OK"), "\(validator.logTail())")
        }

        @Test("Without an admin token the API is off (404) and the log says so", .requires(.root, .ip, .gateway, .curl),
              .timeLimit(.minutes(1)))
        func offWithoutToken() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startGateway(["--path", "demo=demo"])
            let answer = try await scope.http("GET", gateway.url("/v1/paths"), headers: ["Authorization": "Bearer x"])
            #expect(answer.status == 404, "\(answer.status) \(answer.body)")
            let log = gateway.process.text(.stdout) + gateway.process.text(.stderr)
            #expect(log.contains("control API off: no admin token"), "\(gateway.process.logTail())")
        }

        @Test("Reload: a Chromium viewer keeps decoding (frames keep rising) while another path is added (SIGHUP) and removed (POST /v1/reload)",
              .requires(InteropTool.browserAgainstGateway + [.curl]), .timeLimit(.minutes(2)))
        func chromiumKeepsDecodingThroughReloads() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let configFile = scope.file("rtcbridge.yml")
            try Self.config().write(toFile: configFile, atomically: true, encoding: .utf8)
            let gateway = try await scope.startGateway(["--config", configFile])
            try await scope.waitUntilReady(gateway, path: "demo")
            let stopFile = scope.file("viewer.stop")
            let browser = try scope.startBrowser(["whep", gateway.url("/demo/whep"), "--seconds", "1", "--hold",
                                                  "--stop-file", stopFile, "--progress", "--timeout", "90"])
            func frames() -> Int { browser.lines().compactMap(GarbageDatagramTests.framesDecoded(inProgressLine:)).max() ?? 0 }
            try await browser.waitForLine(timeout: .seconds(40), what: "30 decoded frames") {
                (GarbageDatagramTests.framesDecoded(inProgressLine: $0) ?? 0) > 30
            }
            let before = frames()
            try Self.config(extra: "  extra: { source: demo }").write(toFile: configFile, atomically: true, encoding: .utf8)
            gateway.process.send(SIGHUP)
            try await scope.waitUntilReady(gateway, path: "extra")
            try Self.config().write(toFile: configFile, atomically: true, encoding: .utf8)
            let reloaded = try await scope.http("POST", gateway.url("/v1/reload"), headers: ["Authorization": "Bearer \(Self.adminToken)"])
            #expect(reloaded.status == 200 && Self.object(reloaded)["removed"] as? [String] == ["extra"], "\(reloaded.body)")
            let afterReloads = frames()
            // 30 more frames (1 s of the demo clip) after both reloads: the viewer never stalled.
            try await browser.waitForLine(timeout: .seconds(20), what: "frames still rising") {
                (GarbageDatagramTests.framesDecoded(inProgressLine: $0) ?? 0) > afterReloads + 30
            }
            print("control-api: Chromium frames decoded \(before) before the reloads, \(afterReloads) after, \(frames()) at the end")
            _ = FileManager.default.createFile(atPath: stopFile, contents: nil)
            _ = try await browser.waitForExit(timeout: .seconds(30))
            let report = try BrowserReport.parse(from: browser)
            #expect(report.ok, "\(report.json)")
        }

        @Test("Every endpoint over HTTP (401/404/409/422/400), kick with BYE, and reload (SIGHUP and POST) while an RTSP reader and a WHEP viewer keep receiving",
              .requires(.root, .ip, .ffmpeg, .gateway, .curl, .loadGenerator), .timeLimit(.minutes(3)))
        func endpointsAndReload() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let configFile = scope.file("rtcbridge.yml")
            try Self.config().write(toFile: configFile, atomically: true, encoding: .utf8)
            let gateway = try await scope.startGateway(["--config", configFile, "--path", "cli=publisher"])
            try await scope.waitUntilReady(gateway, path: "demo")
            let log = { gateway.process.text(.stdout) + gateway.process.text(.stderr) }
            #expect(log().contains("control API on"), "\(gateway.process.logTail())")
            let auth = ["Authorization": "Bearer \(Self.adminToken)"]
            let json = auth.merging(["Content-Type": "application/json"]) { $1 }
            func call(_ method: String, _ path: String, _ body: String? = nil) async throws -> HTTPExchange {
                try await scope.http(method, gateway.url(path), headers: body == nil ? auth : json, body: body.map { Data($0.utf8) })
            }

            // 401: no token, a wrong one.
            for headers in [[:], ["Authorization": "Bearer wrong"]] {
                let refused = try await scope.http("GET", gateway.url("/v1/paths"), headers: headers)
                #expect(refused.status == 401 && Self.errorReason(refused) != nil, "\(refused.status) \(refused.body)")
                #expect(refused.header("WWW-Authenticate") == "Bearer")
            }

            // Paths: list, get, 404, 409, 422, 400.
            let listed = try await call("GET", "/v1/paths")
            #expect(listed.status == 200, "\(listed.body)")
            let origins = Dictionary(Self.array(listed).map { ($0["name"] as? String ?? "?", $0["origin"] as? String ?? "?") }) { $1 }
            #expect(origins == ["cli": "cli", "demo": "config"], "\(listed.body)")
            let demo = try await call("GET", "/v1/paths/demo")
            #expect(demo.status == 200 && Self.object(demo)["ready"] as? Bool == true, "\(demo.body)")
            let missing = try await call("GET", "/v1/paths/nope")
            #expect(missing.status == 404 && Self.errorReason(missing) != nil, "\(missing.body)")
            let exists = try await call("POST", "/v1/paths", #"{"name":"demo","source":"demo"}"#)
            #expect(exists.status == 409 && Self.errorReason(exists) != nil, "\(exists.body)")
            let cliClash = try await call("PUT", "/v1/paths/cli", #"{"source":"demo"}"#)
            #expect(cliClash.status == 409 && Self.errorReason(cliClash) != nil, "\(cliClash.body)")
            let cliDelete = try await call("DELETE", "/v1/paths/cli")
            #expect(cliDelete.status == 409, "\(cliDelete.body)")
            let invalid = try await call("PUT", "/v1/paths/x", #"{"source":"nosuchscheme://a"}"#)
            #expect(invalid.status == 422 && Self.errorReason(invalid)?.contains("unknown source") == true, "\(invalid.body)")
            // The body cap: a body of exactly maxBodyBytes is read (JSON padded with spaces), one more byte is 413.
            func padded(_ json: String, to size: Int) -> String { String(json.dropLast()) + String(repeating: " ", count: size - json.utf8.count) + "}" }
            let atCap = try await call("PUT", "/v1/paths/capped", padded(#"{"source":"publisher"}"#, to: Self.maxBodyBytes))
            #expect(atCap.status == 201, "\(Self.maxBodyBytes) bytes: \(atCap.status) \(atCap.body)")
            let overCap = try await call("PUT", "/v1/paths/capped", padded(#"{"source":"demo"}"#, to: Self.maxBodyBytes + 1))
            #expect(overCap.status == 413 && Self.errorReason(overCap) != nil, "\(Self.maxBodyBytes + 1) bytes: \(overCap.status) \(overCap.body)")
            let cappedDeleted = try await call("DELETE", "/v1/paths/capped")
            #expect(cappedDeleted.status == 204, "\(cappedDeleted.body)")
            let badJSON = try await call("POST", "/v1/paths", "{not json")
            #expect(badJSON.status == 400 && Self.errorReason(badJSON) != nil, "\(badJSON.status) \(badJSON.body)")

            // Add (POST, then PUT), patch, delete.
            let created = try await call("POST", "/v1/paths", #"{"name":"api1","source":"demo"}"#)
            #expect(created.status == 201 && Self.object(created)["origin"] as? String == "api", "\(created.body)")
            try await scope.waitUntilReady(gateway, path: "api1")
            let put = try await call("PUT", "/v1/paths/api2", #"{"source":"publisher"}"#)
            #expect(put.status == 201, "\(put.body)")
            let patched = try await call("PATCH", "/v1/paths/api2", #"{"source":"demo"}"#)
            #expect(patched.status == 200 && Self.object(patched)["source"] as? String == "demo", "\(patched.body)")
            try await scope.waitUntilReady(gateway, path: "api2")
            let patchMissing = try await call("PATCH", "/v1/paths/nope", #"{"source":"demo"}"#)
            #expect(patchMissing.status == 404, "\(patchMissing.body)")
            for name in ["api1", "api2"] {
                let deleted = try await call("DELETE", "/v1/paths/\(name)")
                #expect(deleted.status == 204, "\(name): \(deleted.status) \(deleted.body)")
            }
            let deletedAgain = try await call("DELETE", "/v1/paths/api1")
            #expect(deletedAgain.status == 404, "\(deletedAgain.body)")
            let afterDelete = try await scope.stats(of: gateway)
            #expect(afterDelete.path("api1") == nil && afterDelete.path("api2") == nil, "\(afterDelete.paths.map(\.name))")

            // Readers on `demo`: an RTSP reader (ffmpeg) and a WHEP viewer with its own DTLS/SRTP.
            let ffmpeg = try #require(scope.environment.ffmpeg)
            let reader = try scope.start("ffmpeg-rtsp-reader", [
                ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "info", "-progress", "pipe:1",
                "-rtsp_transport", "tcp", "-i", "rtsp://127.0.0.1:8554/demo", "-c", "copy", "-f", "null", "-",
            ])
            func mediaRead() -> Int {
                reader.lines().compactMap { line in
                    line.hasPrefix("out_time_us=") ? Int(line.dropFirst("out_time_us=".count)) : nil
                }.max() ?? 0
            }
            try await reader.waitForLine(.stdout, timeout: .seconds(30), what: "1 s of media read") { line in
                guard line.hasPrefix("out_time_us="), let us = Int(line.dropFirst("out_time_us=".count)) else { return false }
                return us >= 1_000_000
            }
            let viewer = try scope.start("load-viewer", [
                scope.environment.loadGenerator, "--url", gateway.url("/demo/whep"), "--viewers", "1",
                "--warmup", "1", "--connect-timeout", "30", "--until-closed", "60",
            ])
            try await viewer.waitForLine(matching: "^receiving: viewers=1$", timeout: .seconds(60))

            // Sessions with their stats.
            let sessions = try await call("GET", "/v1/sessions")
            #expect(sessions.status == 200, "\(sessions.body)")
            let whep = Self.array(sessions).filter { $0["kind"] as? String == "whep" && $0["path"] as? String == "demo" }
            #expect(whep.count == 1, "\(sessions.body)")
            let session = try #require(whep.first)
            #expect((session["packetsSent"] as? Int ?? 0) > 0 && (session["bytesSent"] as? Int ?? 0) > 0, "\(session)")
            #expect((session["remoteAddress"] as? String)?.hasPrefix("127.") == true, "\(session)")   // the viewer binds its own loopback address
            let sessionID = try #require(session["id"] as? String)

            // Reload: SIGHUP adds `extra`, POST /v1/reload removes it; the readers of `demo` go on.
            let readBefore = mediaRead()
            try Self.config(extra: "  extra: { source: demo }").write(toFile: configFile, atomically: true, encoding: .utf8)
            gateway.process.send(SIGHUP)
            try await scope.waitUntilReady(gateway, path: "extra")
            try Self.config().write(toFile: configFile, atomically: true, encoding: .utf8)
            let reloaded = try await call("POST", "/v1/reload")
            #expect(reloaded.status == 200, "\(reloaded.body)")
            let report = Self.object(reloaded)
            #expect(report["removed"] as? [String] == ["extra"], "\(reloaded.body)")
            #expect(report["unchanged"] as? [String] == ["cli", "demo"], "\(reloaded.body)")
            #expect(try await scope.stats(of: gateway).path("extra") == nil)

            // A broken file is refused with the reason (422 / logged on SIGHUP); nothing changes.
            try "paths: [unclosed".write(toFile: configFile, atomically: true, encoding: .utf8)
            let broken = try await call("POST", "/v1/reload")
            #expect(broken.status == 422 && Self.errorReason(broken)?.contains(configFile) == true, "\(broken.body)")
            let refusedLines = log().components(separatedBy: "reload refused").count
            gateway.process.send(SIGHUP)
            try await gateway.process.waitForLine(.stderr, timeout: .seconds(10), what: "SIGHUP refusal logged") { _ in
                (gateway.process.text(.stdout) + gateway.process.text(.stderr)).components(separatedBy: "reload refused").count
                    > refusedLines
            }
            let stillListed = try await call("GET", "/v1/paths")
            let names = Self.array(stillListed).compactMap { $0["name"] as? String }
            #expect(names == ["cli", "demo"], "\(stillListed.body)")

            // The readers kept receiving through all of it.
            try await reader.waitForLine(.stdout, timeout: .seconds(10), what: "media after the reloads") { line in
                guard line.hasPrefix("out_time_us="), let us = Int(line.dropFirst("out_time_us=".count)) else { return false }
                return us > readBefore + 1_000_000
            }
            #expect(reader.isRunning, "\(reader.logTail())")
            #expect(!viewer.lines().contains { $0.hasPrefix("closed: ") }, "\(viewer.logTail())")

            // Recordings (none configured), then kick the viewer: it gets RTCP BYE and close_notify.
            let recordings = try await call("GET", "/v1/recordings")
            #expect(recordings.status == 200 && recordings.body.filter { !$0.isWhitespace } == "[]", "\(recordings.body)")
            let kicked = try await call("DELETE", "/v1/sessions/\(sessionID)")
            #expect(kicked.status == 204, "\(kicked.status) \(kicked.body)")
            let closed = try await viewer.waitForLine(matching: "^closed: ", timeout: .seconds(30)).line
            let numbers = Dictionary(closed.matches(of: /(\w+)=(\d+)/).map { (String($0.1), Int($0.2) ?? -1) }) { $1 }
            #expect(numbers["bye"] == 1 && numbers["closeNotify"] == 1, "\(closed)\n\(viewer.logTail())")
            let kickedAgain = try await call("DELETE", "/v1/sessions/\(sessionID)")
            #expect(kickedAgain.status == 404, "\(kickedAgain.body)")
            #expect(gateway.process.isRunning)
        }
    }
}
