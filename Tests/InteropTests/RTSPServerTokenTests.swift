import Foundation
import Testing

extension InteropSuite {
    /// Issue #8: `rtcbridge serve --token T` protects RTSP too. ffprobe reads nothing without
    /// credentials and everything with the token as the (Digest) password under any user name;
    /// ffmpeg cannot ANNOUNCE/RECORD into a publisher path without it. The startup log says what the
    /// RTSP listener exposes, and the token never appears in the output.
    @Suite("RTSP server token")
    struct RTSPServerTokenTests {
        static let base = "rtsp://127.0.0.1:8554"

        @Test("--token: RTSP read and publish need it as the Digest password",
              .requires(.root, .ip, .ffmpeg, .gateway, .curl), .timeLimit(.minutes(1)))
        func tokenProtectsRTSP() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startGateway(["--path", "demo=demo", "--path", "push=publisher", "--token", "s3cret"])
            try await scope.waitUntilReady(gateway, path: "demo")

            try await scope.expectRTSPReadNeedsCredentials(path: "demo", wrong: "any:nope", right: "anyone:s3cret")

            let ffmpeg = try #require(scope.environment.ffmpeg)
            let publisher = try scope.start("ffmpeg-publisher", [
                ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "warning",
                "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30:duration=2",
                "-c:v", "libx264", "-preset", "ultrafast", "-f", "rtsp", "-rtsp_transport", "tcp", "\(Self.base)/push",
            ])
            let status = try await publisher.waitForExit(timeout: .seconds(20))
            #expect(status != 0, "ffmpeg published without the token: \(publisher.logTail())")
            #expect(publisher.logTail().contains("401"), "\(publisher.logTail())")

            let log = gateway.process.text(.stdout) + gateway.process.text(.stderr)
            #expect(log.contains("read requires token; publish requires token"), "no RTSP exposure line")
            #expect(log.contains("read (WHEP) requires token; publish (WHIP) requires token"), "no HTTP exposure line")
            #expect(!log.contains("s3cret") && !log.contains("nope"), "a secret reached the log")
            #expect(gateway.process.isRunning)
        }
    }
}
