import Foundation
import Testing

extension InteropSuite {
    /// Hostile UDP at the WebRTC port while a real session plays: the gateway drops and counts,
    /// and the session never notices.
    @Suite("Garbage datagrams")
    struct GarbageDatagramTests {
        /// `progress framesDecoded=N conn=STATE` (printed by `browser.py --progress`) → N.
        static func framesDecoded(inProgressLine line: String) -> Int? {
            line.firstMatch(of: /^progress framesDecoded=(\d+)/).flatMap { Int($0.1) }
        }

        @Test("A session keeps decoding through 1450 random, STUN-, RTP- and DTLS-looking datagrams",
              .requires(InteropTool.browserAgainstGateway + [.curl]), .timeLimit(.minutes(2)))
        func sessionSurvivesGarbage() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startGateway(["--path", "demo=demo"])
            try await scope.waitUntilReady(gateway, path: "demo")
            let before = try await scope.stats(of: gateway).webrtc

            let browser = try scope.startBrowser(["whep", gateway.url("/demo/whep"), "--seconds", "12", "--progress",
                                                  "--timeout", "45"])
            try await browser.waitForLine(timeout: .seconds(30), what: "the first decoded frames") {
                (Self.framesDecoded(inProgressLine: $0) ?? 0) > 0
            }

            let blaster = try scope.start("udp-garbage", [
                scope.environment.python, scope.environment.script("udp-garbage.py"),
                "127.0.0.1", String(gateway.webrtcPort), "--random", "1000", "--stun", "200", "--rtp", "200",
                "--dtls", "50",
            ])
            #expect(try await blaster.waitForExit(timeout: .seconds(30)) == 0, "\(blaster.logTail())")
            #expect(blaster.lines().last?.hasPrefix("sent random=1000 stun=200 rtp=200 dtls=50") == true,
                    "\(blaster.logTail())")

            // After the blast, the viewer must decode at least 30 more frames within 10 s.
            let progress = browser.lines()
            let afterBlast = progress.compactMap(Self.framesDecoded(inProgressLine:)).last ?? 0
            let (_, line) = try await browser.waitForLine(
                from: progress.count, timeout: .seconds(10), what: "framesDecoded > \(afterBlast + 30)"
            ) { (Self.framesDecoded(inProgressLine: $0) ?? 0) > afterBlast + 30 }
            print("garbage: framesDecoded \(afterBlast) at blast end, then \(line)")

            _ = try await browser.waitForExit(timeout: .seconds(60))
            let report = try BrowserReport.parse(from: browser)
            #expect(report.ok, "\(report.json)")
            #expect(gateway.process.isRunning, "the gateway died: \(gateway.process.logTail())")

            let after = try await scope.stats(of: gateway).webrtc
            print("garbage: webrtc stats before \(before), after \(after)")
            #expect(after.droppedDatagrams + after.stunRejected > before.droppedDatagrams + before.stunRejected)
            #expect(after.sendErrors == 0, "the kernel refused datagrams to a browser on loopback")
            #expect(after.bufferFullDrops == 0, "the send buffer filled up on loopback")
        }
    }
}
