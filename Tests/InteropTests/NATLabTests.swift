import Foundation
import ICE
import Testing

extension InteropSuite {
    /// Issue #10, the server side of NAT traversal: ICE servers handed to browsers in `Link`
    /// headers (with TURN REST credentials), Chromium behind a NAT relayed by coturn when its UDP
    /// to the gateway is blocked, and a gateway behind a 1:1 NAT advertising the server-reflexive
    /// address its STUN server reported. Connect times (player page: answer → connected) printed
    /// as `NAT-LAB-METRIC` lines.
    @Suite("NAT lab: ICE servers, TURN relay, server-reflexive candidate")
    struct NATLabTests {
        static let secret = "north-secret"

        /// The gateway's stdout and stderr together (its log lines).
        static func log(_ gateway: GatewayProcess) -> String {
            (gateway.process.lines(.stdout) + gateway.process.lines(.stderr)).joined(separator: "\n")
        }

        /// The port of a ready line's `http://HOST:PORT`.
        static func httpPort(_ gateway: GatewayProcess) throws -> Int {
            try #require(URLComponents(string: gateway.httpBase)?.port)
        }

        /// The `candidateType` of the gateway's connected sessions (`/api/sessions`; the player
        /// page's session lives on until its consent runs out).
        static func candidateTypes(_ scope: InteropScope, _ gateway: GatewayProcess) async throws -> [String] {
            let body = try await scope.http("GET", gateway.url("/api/sessions")).body
            let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            let sessions = object?["sessions"] as? [[String: Any]] ?? []
            return sessions.compactMap { $0["candidateType"] as? String }.filter { $0 != "none" }
        }

        /// `route` and `connectMs` of a `browser.py page` report on the player page.
        static func route(_ report: BrowserReport) -> (route: String?, connectMs: Int?) {
            let object = (try? JSONSerialization.jsonObject(with: Data(report.json.utf8))) as? [String: Any]
            return (object?["route"] as? String, (object?["connectMs"] as? NSNumber)?.intValue)
        }

        /// Runs `browser.py page URL` in the lab's other namespace and returns its report.
        static func playerPage(_ lab: NATLab, _ url: String) async throws -> BrowserReport {
            let env = lab.scope.environment
            let browser = try lab.start("browser", [
                env.python, env.script("browser.py"), "page", url, "--seconds", "3", "--timeout", "40",
                "--chromium", env.chromium, "--chromedriver", env.chromedriver,
            ])
            _ = try await browser.waitForExit(timeout: .seconds(60))
            return try BrowserReport.parse(from: browser)
        }

        @Test("OPTIONS and 201 answers carry the ICE servers' Link headers with TURN REST credentials, for callers allowed to POST",
              .requires(.root, .ip, .gateway, .curl), .timeLimit(.minutes(1)))
        func linkHeadersCarryCredentials() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startGateway([
                "--path", "demo=demo", "--token", "t0ken", "--ice-server", "stun:192.0.2.1:3478",
                "--ice-server", "turn:192.0.2.2:3478?transport=udp,secret=\(Self.secret),user=viewer,ttl=600",
            ])
            let url = gateway.url("/demo/whep")
            let anonymous = try await scope.http("OPTIONS", url)
            #expect(anonymous.status == 204 && anonymous.header("Link") == nil, "\(anonymous.headers)")

            let before = UInt64(Date().timeIntervalSince1970)
            let allowed = try await scope.http("OPTIONS", url, headers: ["Authorization": "Bearer t0ken"])
            let links = try #require(allowed.header("Link"), "\(allowed.headers)")
            #expect(links.hasPrefix("<stun:192.0.2.1:3478>; rel=\"ice-server\", <turn:192.0.2.2:3478?transport=udp>; rel=\"ice-server\"; username=\""))
            let username = try #require(links.firstMatch(of: /username="(\d+):viewer"/))
            let expiry = try #require(UInt64(username.1))
            #expect((before + 600...before + 630).contains(expiry), "expiry \(expiry), now \(before)")
            let server = try ICEServer(parsing: "turn:192.0.2.2,secret=\(Self.secret),user=viewer,ttl=600")
            let expected = try #require(server.credentials(nowUnixSeconds: expiry - 600))
            #expect(links.contains("credential=\"\(expected.credential)\"; credential-type=\"password\""), "\(links)")

            let answer = try await scope.http("POST", url, headers: ["Content-Type": "application/sdp", "Authorization": "Bearer t0ken"],
                                              body: Data(SampleOffers.recvonly.utf8))
            #expect(answer.status == 201)
            let answerLinks = answer.header("Link") ?? ""
            #expect(answerLinks.contains("<stun:192.0.2.1:3478>; rel=\"ice-server\"") && answerLinks.contains("username=\""))

            let log = Self.log(gateway)
            #expect(log.contains("turn:192.0.2.2:3478?transport=udp"), "the servers are logged (redacted)")
            #expect(!log.contains(Self.secret) && !log.contains(expected.credential), "a credential reached the log")
        }

        @Test("Chromium behind a NAT plays the player page: directly, and through coturn when its UDP to the gateway is blocked",
              .requires(InteropTool.browserAgainstGateway + [.curl]),
              .enabled(if: NATLab.toolsPresent, "nft or coturn missing: run scripts/install-deps.sh --test"),
              .timeLimit(.minutes(3)), arguments: [false, true])
        func viewerBehindNAT(udpBlocked: Bool) async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let lab = try NATLab(scope: scope, scopeIsPublic: true)
            defer { scope.tearDown(); lab.tearDown() }   // the scope ends its processes gently first
            _ = try lab.startCoturn(secret: Self.secret)
            let gateway = try await scope.startGateway(exactly: [
                "--path", "demo=demo", "--http", "0.0.0.0:0", "--webrtc-udp", "0", "--log-level", "info",
                "--ice-server", "turn:\(NATLab.turnHost):3478?transport=udp,secret=\(Self.secret),user=viewer",
            ])
            try await scope.waitUntilReady(gateway, path: "demo")
            let mapped = try await lab.waitForSTUN()
            #expect(mapped.hasPrefix(NATLab.routerPublic + ":"), "the viewer's traffic leaves the NAT as \(mapped)")
            if udpBlocked { try lab.blockUDP(toPort: gateway.webrtcPort) }

            let report = try await Self.playerPage(lab, "http://\(NATLab.publicHost):\(try Self.httpPort(gateway))/demo/")
            let (route, connectMs) = Self.route(report)
            print("NAT-LAB-METRIC viewer behind NAT, UDP to the gateway \(udpBlocked ? "blocked" : "open"):",
                  "route \(route ?? "?"), answer → connected \(connectMs.map { "\($0) ms" } ?? "?")")
            #expect(report.ok, "\(report.json)\n\(gateway.process.logTail())")
            if udpBlocked {
                #expect(route?.hasPrefix("relay udp") == true, "\(report.json)")
            } else {
                #expect(route?.hasPrefix("relay") == false, "\(report.json)")
            }
            // The gateway names the same route (/metrics, /api/sessions, the closed log line).
            let types = try await Self.candidateTypes(scope, gateway)
            #expect(udpBlocked ? types == ["relay"] : (types == ["srflx"] || types == ["prflx"]), "gateway: \(types)")
            #expect(!Self.log(gateway).contains(Self.secret))
        }

        @Test("Chromium whose network drops all UDP plays the player page over ICE-TCP (tcptype passive)",
              .requires(InteropTool.browserAgainstGateway + [.curl]),
              .enabled(if: NATLab.toolsPresent, "nft or coturn missing: run scripts/install-deps.sh --test"),
              .timeLimit(.minutes(2)))
        func viewerWithoutUDPUsesICETCP() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let lab = try NATLab(scope: scope, scopeIsPublic: true)
            defer { scope.tearDown(); lab.tearDown() }   // the scope ends its processes gently first
            let gateway = try await scope.startGateway(exactly: [
                "--path", "demo=demo", "--http", "0.0.0.0:0", "--webrtc-udp", "0", "--webrtc-tcp", "0", "--log-level", "info",
            ])
            let (_, listening) = try await gateway.process.waitForLine(.stderr, timeout: .seconds(10), what: "WebRTC TCP listening") {
                $0.contains("WebRTC TCP listening")
            }
            let tcpPort = try #require(listening.firstMatch(of: /port=(\d+)/).flatMap { Int($0.1) })
            try await scope.waitUntilReady(gateway, path: "demo")
            try lab.blockUDP(toPort: nil)

            let answer = try await scope.http("POST", gateway.url("/demo/whep"), headers: ["Content-Type": "application/sdp"],
                                              body: Data(SampleOffers.recvonly.utf8))
            let tcp = answer.body.split(whereSeparator: \.isNewline).filter { $0.contains(" tcp ") }
            #expect(tcp.contains { $0.contains("\(NATLab.publicHost) \(tcpPort) typ host tcptype passive") }, "\(answer.body)")

            let report = try await Self.playerPage(lab, "http://\(NATLab.publicHost):\(try Self.httpPort(gateway))/demo/")
            let (route, connectMs) = Self.route(report)
            print("NAT-LAB-METRIC viewer without UDP, ICE-TCP: route \(route ?? "?"),",
                  "answer → connected \(connectMs.map { "\($0) ms" } ?? "?")")
            #expect(report.ok, "\(report.json)\n\(gateway.process.logTail())")
            #expect(route?.hasSuffix("host tcp") == true, "\(report.json)")
            let types = try await Self.candidateTypes(scope, gateway)
            #expect(types.count == 1 && types.allSatisfy { $0.hasSuffix("-tcp") }, "gateway: \(types)")
        }

        @Test("A gateway behind a 1:1 NAT learns its public address from STUN and Chromium connects to the srflx candidate",
              .requires(InteropTool.browserAgainstGateway + [.curl]),
              .enabled(if: NATLab.toolsPresent, "nft or coturn missing: run scripts/install-deps.sh --test"),
              .timeLimit(.minutes(2)))
        func gatewayBehindNATAdvertisesServerReflexive() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let lab = try NATLab(scope: scope, scopeIsPublic: false)
            defer { scope.tearDown(); lab.tearDown() }   // the scope ends its processes gently first
            let coturn = try lab.startCoturn(secret: Self.secret)
            // The gateway's first Binding may go before coturn listens: its retransmissions cover that.
            let gateway = try await scope.startGateway(exactly: [
                "--path", "demo=demo", "--http", "0.0.0.0:0", "--webrtc-udp", "0", "--log-level", "info",
                "--ice-server", "stun:\(NATLab.turnHost):3478",
            ])
            _ = coturn
            try await scope.waitUntilReady(gateway, path: "demo")
            let learned = try await gateway.process.waitForLine(.stderr, timeout: .seconds(20), what: "server-reflexive address learned") {
                $0.contains("server-reflexive address learned")
            }
            #expect(learned.line.contains("\(NATLab.routerPublic):"), "\(learned.line)")
            try lab.forward(udpPort: gateway.webrtcPort, tcpPort: try Self.httpPort(gateway))

            let answer = try await scope.http("POST", gateway.url("/demo/whep"), headers: ["Content-Type": "application/sdp"],
                                              body: Data(SampleOffers.recvonly.utf8))
            let srflx = answer.body.split(whereSeparator: \.isNewline).filter { $0.contains("typ srflx") }
            // One per m-section, all the same candidate.
            #expect(answer.status == 201 && !srflx.isEmpty && Set(srflx).count == 1, "\(answer.body)")
            #expect(srflx.first?.contains(" \(NATLab.routerPublic) ") == true
                    && srflx.first?.contains("raddr \(NATLab.privateHost) rport \(gateway.webrtcPort)") == true, "\(srflx)")

            let report = try await Self.playerPage(lab, "http://\(NATLab.routerPublic):\(try Self.httpPort(gateway))/demo/")
            let (route, connectMs) = Self.route(report)
            print("NAT-LAB-METRIC gateway behind a 1:1 NAT: route \(route ?? "?"),",
                  "answer → connected \(connectMs.map { "\($0) ms" } ?? "?")")
            #expect(report.ok, "\(report.json)\n\(gateway.process.logTail())")
            #expect(route?.hasSuffix("srflx udp") == true, "\(report.json)")
        }
    }
}

extension InteropSuite.NATLabTests {
    @Test("ICE-TCP refuses connections past the cap, closes on an oversized frame and when no check validates it",
          .requires(.root, .ip, .gateway, .curl, .python), .timeLimit(.minutes(1)))
    func hostileTCPConnectionsAreClosedAndCounted() async throws {
        let scope = try InteropScope()
        defer { scope.tearDown() }
        let config = scope.file("rtcbridge.yml")
        try "webrtc: { tcpPort: 0, tcpMaxConnections: 2 }\n".write(toFile: config, atomically: true, encoding: .utf8)
        let gateway = try await scope.startGateway(["--path", "demo=demo", "--config", config])
        let (_, listening) = try await gateway.process.waitForLine(.stderr, timeout: .seconds(10), what: "WebRTC TCP listening") {
            $0.contains("WebRTC TCP listening")
        }
        let port = try #require(listening.firstMatch(of: /port=(\d+)/).flatMap { Int($0.1) })
        // Three connections (one past the cap), an oversized frame on one left open, a non-STUN
        // frame on the other (unrouted; closed once 10 s pass without a validated check).
        let script = """
            import select, socket, time
            def closed(s, timeout):
                s.settimeout(timeout)
                try:
                    return s.recv(1) == b''
                except ConnectionResetError:
                    return True
                except socket.timeout:
                    return False
            conns = [socket.create_connection(('127.0.0.1', \(port)), timeout=15) for _ in range(3)]
            # Exactly one of the three is closed at once (which one depends on the accept order).
            readable, _, _ = select.select(conns, [], [], 5)
            refused = [s for s in readable if closed(s, 1)]
            print('one-refused', len(refused) == 1, flush=True)
            a, b = [s for s in conns if s not in refused][:2]
            a.sendall(b'\\xff\\xff' + b'x' * 64)
            print('oversized-closed', closed(a, 5), flush=True)
            b.sendall(b'\\x00\\x04abcd')
            start = time.monotonic()
            ok = closed(b, 15)
            print('unbound-closed', ok, round(time.monotonic() - start, 1), flush=True)
            """
        let python = try scope.start("tcp-hostile", [scope.environment.python, "-c", script])
        let status = try await python.waitForExit(timeout: .seconds(40))
        let lines = python.lines()
        print("ICE-TCP hostile connections: \(lines)")
        #expect(status == 0 && lines.contains("one-refused True") && lines.contains("oversized-closed True"), "\(python.logTail())")
        #expect(lines.contains { $0.hasPrefix("unbound-closed True") }, "\(python.logTail())")

        let stats = try await scope.http("GET", gateway.url("/api/stats"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(stats.body.utf8)) as? [String: Any])
        let tcp = try #require(object["webrtcTCP"] as? [String: Int], "\(stats.body)")
        #expect(tcp["accepted"] == 2 && tcp["refused"] == 1 && tcp["badFrames"] == 1 && tcp["unboundClosed"] == 1, "\(tcp)")
        #expect(tcp["connections"] == 0, "\(tcp)")
        #expect(gateway.process.isRunning)
    }
}
