import Foundation
import Testing

extension InteropSuite {
    /// The live stats pages (`/{path}/stats`, `/sessions`, data from `/api/sessions`) and the JSON
    /// log (`--log-format json`) against the real binary, with headless Chromium viewers.
    @Suite("Stats page and JSON log")
    struct StatsPageTests {
        struct PageReport: Decodable {
            struct Canvas: Decodable {
                var metric: String
                var points: Int
                var linePixels: Int?
            }
            var ok: Bool
            var canvases: [Canvas]?
            var error: String?
        }

        struct SessionList: Decodable {
            struct Session: Decodable {
                var id: String
                var path: String
                var role: String
                var bytesSent: Int
                var roundTripSeconds: Double?
            }
            var sessions: [Session]
        }

        @Test("/{path}/stats draws non-empty bitrate, RTT, loss and NACK/PLI graphs of a live viewer",
              .requires(InteropTool.browserAgainstGateway + [.ffmpeg, .curl, .python]), .timeLimit(.minutes(3)))
        func statsPageGraphs() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let (_, sdpPath) = try await scope.startRTPCamera(RTPCameraSource(seconds: 90, gopFrames: 30))
            let gateway = try await scope.startGateway(["--path", "cam=\(sdpPath)"])
            try await scope.waitUntilReady(gateway, path: "cam")

            for page in ["/cam/stats", "/sessions"] {
                let response = try await scope.http("GET", gateway.url(page))
                #expect(response.status == 200 && response.body.contains("/static/stats.js"), "\(page): \(response.status)")
            }
            let empty = try await scope.http("GET", gateway.url("/api/sessions"))
            #expect(empty.status == 200 && empty.header("Access-Control-Allow-Origin") == nil)
            #expect(try JSONDecoder().decode(SessionList.self, from: Data(empty.body.utf8)).sessions.isEmpty)

            let stopFile = scope.file("viewer.stop")
            let viewer = try scope.startBrowser(["whep", gateway.url("/cam/whep"), "--seconds", "1", "--hold",
                                                 "--stop-file", stopFile, "--progress", "--timeout", "120"])
            defer { _ = FileManager.default.createFile(atPath: stopFile, contents: nil) }
            try await viewer.waitForLine(timeout: .seconds(40), what: "30 decoded frames") {
                (GarbageDatagramTests.framesDecoded(inProgressLine: $0) ?? 0) > 30
            }
            let listed = try await scope.http("GET", gateway.url("/api/sessions?path=cam"))
            let sessions = try JSONDecoder().decode(SessionList.self, from: Data(listed.body.utf8)).sessions
            #expect(sessions.count == 1 && sessions.first?.role == "whep" && (sessions.first?.bytesSent ?? 0) > 0, "\(listed.body)")
            let other = try await scope.http("GET", gateway.url("/api/sessions?path=nothing"))
            #expect(try JSONDecoder().decode(SessionList.self, from: Data(other.body.utf8)).sessions.isEmpty)

            // The page polls once a second: wait for 5 bitrate points and the first RTT and loss
            // points (from the viewer's receiver reports), then screenshot and count line pixels.
            let screenshot = scope.file("stats.png")
            let pageRun = try scope.startBrowser(["stats-page", gateway.url("/cam/stats"), "--seconds", "5",
                                                  "--screenshot", screenshot, "--timeout", "45"])
            _ = try await pageRun.waitForExit(timeout: .seconds(90))
            let line = try #require(pageRun.lines().last { $0.hasPrefix("{") }, "\(pageRun.logTail())")
            let report = try JSONDecoder().decode(PageReport.self, from: Data(line.utf8))
            #expect(report.ok, "\(line)")
            let canvases = report.canvases ?? []
            #expect(Set(canvases.map(\.metric)) == ["bitrate", "rtt", "loss", "feedback"], "\(line)")
            for canvas in canvases {
                #expect(canvas.points >= 1 && (canvas.linePixels ?? 0) > 0, "\(canvas.metric): \(line)")
            }
            #expect((canvases.first { $0.metric == "bitrate" }?.points ?? 0) >= 5, "\(line)")
            #expect(FileManager.default.fileExists(atPath: screenshot))
            print("stats page: " + canvases.map { "\($0.metric) \($0.points) points \($0.linePixels ?? 0) line px" }.joined(separator: ", "))
            #expect(gateway.process.isRunning)
        }

        @Test("--log-format json: every line parses, one line per session lifecycle event, no resource id",
              .requires(InteropTool.browserAgainstGateway + [.python]), .timeLimit(.minutes(2)))
        func jsonLogLifecycle() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startGateway(["--path", "demo=demo", "--log-format", "json", "--token", "log-s3cret"])
            try await scope.waitUntilReady(gateway, path: "demo")
            let viewer = try await scope.runBrowser(["whep", gateway.url("/demo/whep"), "--token", "log-s3cret", "--seconds", "1"],
                                                    timeout: .seconds(40))
            #expect(viewer.ok, "\(viewer.json)")
            #expect(viewer.deleteStatus == 200 || viewer.deleteStatus == 204, "\(viewer.json)")

            // The closed line follows the DELETE on the session's loop: poll the log for it.
            let deadline = ContinuousClock.now + .seconds(10)
            while !gateway.process.text(.stderr).contains("\"closed\""), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            let logFile = scope.file("gateway-json.log")
            let log = gateway.process.text(.stderr)
            try log.write(toFile: logFile, atomically: true, encoding: .utf8)
            let check = try scope.start("json-log-check", [scope.environment.python, scope.environment.script("json-log-check.py"), logFile])
            let status = try await check.waitForExit(timeout: .seconds(20))
            #expect(status == 0, "\(check.logTail())")
            struct Summary: Decodable {
                struct Event: Decodable {
                    var event: String
                    var session: String
                    var path: String
                    var role: String
                    var reason: String?
                    var durationSeconds: String?
                }
                var lines: Int
                var events: [Event]
            }
            let line = try #require(check.lines().last { $0.hasPrefix("{") })
            let summary = try JSONDecoder().decode(Summary.self, from: Data(line.utf8))
            #expect(summary.events.map(\.event) == ["created", "connected", "closed"], "\(line)")
            #expect(Set(summary.events.map(\.session)).count == 1 && summary.events.allSatisfy { $0.path == "demo" && $0.role == "whep" })
            let closed = summary.events.last
            #expect(closed?.reason?.isEmpty == false && Double(closed?.durationSeconds ?? "") ?? -1 > 0, "\(line)")
            // Neither the token nor the resource id (a capability) is in the log.
            #expect(!log.contains("log-s3cret"))
            let resource = try #require(viewer.resource)
            let resourceID = try #require(resource.split(separator: "/").last)
            #expect(!log.contains(String(resourceID)), "the resource id is logged")
            print("json log: \(summary.lines) lines, lifecycle \(summary.events.map { "\($0.event)" }), closed after \(closed?.durationSeconds ?? "?") s")
        }
    }
}
