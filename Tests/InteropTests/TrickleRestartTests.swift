import Foundation
import Testing

extension InteropSuite {
    /// Trickle ICE and ICE restart over PATCH (RFC 9725 §4.3, RFC 8840 fragments) with Chromium's
    /// real ICE agent: the WHEP POST carries no candidates, they follow in PATCHes with `If-Match`,
    /// then `a=end-of-candidates`; mid-session `pc.restartIce()` sends new credentials, the 200
    /// fragment's ufrag/pwd replace the gateway's in the remote description, and media goes on
    /// over the new ICE session without a new DTLS handshake.
    @Suite("Trickle ICE and ICE restart")
    struct TrickleRestartTests {
        @Test("WHEP with trickle ICE and an ICE restart mid-session keeps decoding",
              .requires(InteropTool.browserAgainstGateway + [.curl]), .timeLimit(.minutes(2)))
        func trickleAndRestart() async throws {
            let report = try await Self.playWithRestart(trickle: true)
            let patches = try #require(report.patches, "\(report.json)")
            let restartIndex = try #require(patches.firstIndex { $0.what == "restart" }, "no restart PATCH: \(report.json)")
            let before = patches[..<restartIndex], after = patches[(restartIndex + 1)...]
            #expect(before.contains { $0.what == "candidate" }, "no candidate PATCH before the restart: \(report.json)")
            #expect(before.last?.what == "end-of-candidates", "end-of-candidates is not the last trickle PATCH: \(report.json)")
            #expect(before.allSatisfy { $0.status == 204 && $0.etag == report.etag }, "trickle PATCHes: \(report.json)")
            // The new ICE generation's candidates are trickled too, with the new ETag.
            let restart = try #require(report.restart)
            #expect(after.contains { $0.what == "candidate" }, "no candidate PATCH after the restart: \(report.json)")
            #expect(after.allSatisfy { $0.status == 204 && $0.etag == restart.etagAfter }, "PATCHes after restart: \(report.json)")
        }

        @Test("WHEP without trickle: an ICE restart whose fragment carries the candidates keeps decoding",
              .requires(InteropTool.browserAgainstGateway + [.curl]), .timeLimit(.minutes(2)))
        func restartWithoutTrickle() async throws {
            let report = try await Self.playWithRestart(trickle: false)
            #expect(report.patches?.map(\.what) == ["restart"], "\(report.json)")
        }

        /// Plays the demo path with an ICE restart 2 s after the first frame and 3 s of play after
        /// it; checks what both variants share and returns the report for the rest.
        static func playWithRestart(trickle: Bool) async throws -> BrowserReport {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startGateway(["--path", "demo=demo"])
            try await scope.waitUntilReady(gateway, path: "demo")
            let report = try await scope.runBrowser(
                ["whep", gateway.url("/demo/whep"), "--restart-after", "2", "--seconds", "3"] + (trickle ? ["--trickle"] : []))
            let restart = try #require(report.restart, "no restart: \(report.json)")
            print("ICE restart (trickle=\(trickle)): firstFrameMs=\(report.firstFrameMs.map(String.init) ?? "nil") "
                + "frames before=\(restart.framesBefore) after=+\(restart.framesAfter) "
                + "PATCHes=\((report.patches ?? []).map { "\($0.what):\($0.status)" }.joined(separator: ","))")
            #expect(report.ok, "\(report.json)")
            #expect(restart.status == 200, "restart PATCH: \(report.json)")
            #expect(restart.framesAfter >= 30, "only \(restart.framesAfter) frames after the restart: \(report.json)")
            // ICE really restarted: the selected pair now uses the browser's new credentials.
            #expect(restart.iceRestarted, "\(report.json)")
            #expect(restart.selectedUfrag == restart.localUfrag && restart.selectedBefore != restart.localUfrag,
                    "selected pair ufrag before \(restart.selectedBefore ?? "nil"), after \(restart.selectedUfrag ?? "nil")")
            // The ETag changed, and the fragment is an ICE-lite answer with the new credentials.
            #expect(restart.etagBefore == report.etag, "\(report.json)")
            #expect(restart.etagAfter != nil && restart.etagAfter != restart.etagBefore, "ETag unchanged: \(report.json)")
            let fragment = restart.fragment ?? ""
            let remoteUfrag = try #require(restart.remoteUfrag)
            #expect(fragment.contains("a=ice-lite\r\n") && fragment.contains("a=ice-ufrag:\(remoteUfrag)\r\n"), "\(fragment)")
            #expect(fragment.contains("a=ice-pwd:"), "\(fragment)")
            for mid in ["0", "1"] {
                #expect(fragment.contains("a=mid:\(mid)\r\n"), "no section for mid \(mid): \(fragment)")
            }
            #expect(fragment.contains("a=candidate:") && fragment.contains("a=end-of-candidates\r\n"), "\(fragment)")
            #expect(report.deleteStatus == 200 || report.deleteStatus == 204, "\(report.json)")
            #expect(gateway.process.isRunning)
            return report
        }
    }
}
