import Foundation

/// A running `rtcbridge serve`, started inside a test's namespace with ephemeral ports, and the
/// addresses it announced on its ready line:
/// `rtcbridge ready http=http://127.0.0.1:PORT webrtc-udp=PORT`.
struct GatewayProcess: Sendable {
    let process: ManagedProcess
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    let httpBase: String
    let webrtcPort: Int

    /// An absolute URL on the gateway, e.g. `url("/demo/whep")`.
    func url(_ path: String) -> String {
        httpBase + path
    }

    /// Parses the ready line; nil when `line` is not one.
    static func parseReadyLine(_ line: String) -> (httpBase: String, webrtcPort: Int)? {
        guard let match = line.firstMatch(of: /rtcbridge ready http=(\S+) webrtc-udp=(\d+)/),
              let port = Int(match.2) else { return nil }
        var base = String(match.1)
        while base.hasSuffix("/") { base.removeLast() }
        return (base, port)
    }
}

extension InteropScope {
    /// Starts `rtcbridge serve` with `arguments` (e.g. `["--path", "cam=/tmp/x.sdp"]`), on
    /// `--http 127.0.0.1:0 --webrtc-udp 0 --ice-host 127.0.0.1`, and waits for its ready line.
    /// `binary` defaults to the debug gateway (`environment.gatewayBinary`).
    func startGateway(_ arguments: [String] = [], binary: String? = nil, timeout: Duration = .seconds(20)) async throws
        -> GatewayProcess {
        // The test pages (Scripts/web) come from the browser script's own HTTP server, another
        // origin than the gateway's: allow them unless the test sets its own CORS origins.
        let cors = arguments.contains("--cors-origin") ? [] : ["--cors-origin", "*"]
        return try await startGateway(exactly: arguments + cors + [
            "--http", "127.0.0.1:0", "--webrtc-udp", "0", "--ice-host", "127.0.0.1", "--log-level", "info",
        ], binary: binary, timeout: timeout)
    }

    /// Starts `rtcbridge serve` with `arguments` and nothing added (the caller picks the ports,
    /// e.g. in a config file), and waits for its ready line.
    func startGateway(exactly arguments: [String], binary: String? = nil, timeout: Duration = .seconds(20)) async throws
        -> GatewayProcess {
        let process = try start("rtcbridge", [binary ?? environment.gatewayBinary, "serve"] + arguments)
        let (_, line) = try await process.waitForLine(
            timeout: timeout, what: "the `rtcbridge ready http=… webrtc-udp=…` line"
        ) { Self.isReadyLine($0) }
        guard let ready = GatewayProcess.parseReadyLine(line) else {
            throw InteropError.unexpectedOutput(what: "ready line", output: line)
        }
        return GatewayProcess(process: process, httpBase: ready.httpBase, webrtcPort: ready.webrtcPort)
    }

    private static func isReadyLine(_ line: String) -> Bool {
        GatewayProcess.parseReadyLine(line) != nil
    }

    /// `GET /api/stats`, decoded.
    func stats(of gateway: GatewayProcess) async throws -> GatewayStats {
        let response = try await http("GET", gateway.url("/api/stats"))
        guard response.status == 200 else {
            throw InteropError.unexpectedOutput(what: "GET /api/stats status \(response.status)", output: response.body)
        }
        do {
            return try JSONDecoder().decode(GatewayStats.self, from: Data(response.body.utf8))
        } catch {
            throw InteropError.unexpectedOutput(what: "/api/stats JSON (\(error))", output: response.body)
        }
    }

    /// Polls `/api/stats` until path `name` reports `ready` (its source delivers media); returns
    /// the stats that said so.
    @discardableResult
    func waitUntilReady(_ gateway: GatewayProcess, path name: String, timeout: Duration = .seconds(15)) async throws
        -> GatewayStats {
        let deadline = ContinuousClock.now + timeout
        var last = "no answer yet"
        while true {
            if !gateway.process.isRunning {
                throw InteropError.exitedEarly(label: gateway.process.label,
                                               status: gateway.process.terminationStatusOrMinusOne,
                                               log: gateway.process.logTail())
            }
            do {
                let stats = try await stats(of: gateway)
                if stats.path(name)?.ready == true { return stats }
                last = "paths: " + stats.paths.map { "\($0.name) ready=\($0.ready)" }.joined(separator: ", ")
            } catch let error as InteropError {
                last = error.description
            }
            if ContinuousClock.now >= deadline {
                throw InteropError.timedOut(what: "path \(name) to be ready (\(last))", seconds: timeout.seconds,
                                            log: gateway.process.logTail())
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
