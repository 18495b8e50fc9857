import Foundation
import Testing

extension InteropSuite {
    /// Issue #8, fault scenario "mid-GOP join": with a 4 s keyframe interval a viewer that joins
    /// between keyframes must not wait for the next one (GOP cache replay, keyframe request).
    @Suite("Mid-GOP join")
    struct MidGOPJoinTests {
        @Test("Chromium viewers joining at random points of a 4 s GOP decode their first frame within 1 s",
              .requires(InteropTool.browserAgainstGateway + [.ffmpeg, .curl]), .timeLimit(.minutes(2)))
        func firstFrameWithinOneSecond() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            // 120 frames at 30 fps: one keyframe every 4 s.
            let (camera, sdpPath) = try await scope.startRTPCamera(RTPCameraSource(seconds: 60, gopFrames: 120))
            let gateway = try await scope.startGateway(["--path", "cam=\(sdpPath)"])
            try await scope.waitUntilReady(gateway, path: "cam")

            // Four viewers one after another in one Chromium, each after a random pause of
            // 0–3 s and playing 1 s: their POSTs land at random points of the GOP.
            let report = try await scope.runBrowser(["whep", gateway.url("/cam/whep"), "--repeat", "4",
                                                     "--gap-ms", "3000", "--seconds", "1"], timeout: .seconds(50))
            let viewers = report.viewers ?? []
            for (index, viewer) in viewers.enumerated() {
                print("mid-GOP join \(index + 1): after a \(viewer.delayMs ?? -1) ms pause, first frame "
                    + "\(viewer.firstFrameMs.map { "\($0) ms" } ?? "never") after the POST, "
                    + "framesDecoded=\(viewer.framesDecoded ?? 0)")
            }
            #expect(report.ok, "\(report.json)")
            #expect(viewers.count == 4, "\(report.json)")
            for viewer in viewers {
                #expect(viewer.error == nil, "\(report.json)")
                let firstFrameMs = try #require(viewer.firstFrameMs, "a viewer decoded nothing: \(report.json)")
                #expect(firstFrameMs <= 1000, "first frame \(firstFrameMs) ms after the POST (limit 1000 ms)")
            }
            #expect(camera.isRunning, "ffmpeg ended early: \(camera.logTail())")
            #expect(gateway.process.isRunning)
        }
    }
}
