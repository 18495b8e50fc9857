import Foundation
import Testing

extension InteropSuite {
    /// Graceful drain (issue #12 item 6, #8 "SIGTERM mid-stream") against the real binary: WHEP
    /// viewers with their own DTLS/SRTP (`RTCBridgeLoad --until-closed`) see RTCP BYE and DTLS
    /// close_notify, an RTSP reader (ffmpeg) sees its connection end, the recording is finalized
    /// and playable, and the gateway exits 0 within its 5 s drain timeout.
    @Suite("Graceful drain")
    struct DrainTests {
        @Test("SIGTERM mid-stream: BYE + close_notify to every viewer, RTSP reader ended, recording playable, exit 0 within 5 s",
              .requires(.root, .ip, .ffmpeg, .gateway, .curl, .loadGenerator), .timeLimit(.minutes(2)))
        func sigtermMidStream() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let (gateway, recordings) = try await scope.startRecordedDemo()

            let viewers = try scope.start("load-viewers", [
                scope.environment.loadGenerator, "--url", gateway.url("/demo/whep"), "--viewers", "3",
                "--warmup", "1", "--connect-timeout", "30", "--until-closed", "20",
            ])
            try await viewers.waitForLine(matching: "^receiving: viewers=3$", timeout: .seconds(60))
            let ffmpeg = try #require(scope.environment.ffmpeg)
            let reader = try scope.start("ffmpeg-rtsp-reader", [
                ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "info", "-progress", "pipe:1",
                "-rtsp_transport", "tcp", "-i", "rtsp://127.0.0.1:8554/demo", "-c", "copy", "-f", "null", "-",
            ])
            // The reader has read 2 s of media, so the recording (older) holds more than that.
            try await reader.waitForLine(.stdout, timeout: .seconds(30), what: "2 s of media read") { line in
                guard line.hasPrefix("out_time_us="), let us = Int(line.dropFirst("out_time_us=".count)) else { return false }
                return us >= 2_000_000
            }

            let signalled = ContinuousClock.now
            gateway.process.send(SIGTERM)
            let status = try await gateway.process.waitForExit(timeout: .seconds(10))
            let exitSeconds = (ContinuousClock.now - signalled).seconds
            let log = gateway.process.text(.stdout) + gateway.process.text(.stderr)
            #expect(status == 0, "\(gateway.process.logTail())")
            #expect(exitSeconds < 5, "exited after \(exitSeconds) s")
            #expect(log.contains("draining: 3 WebRTC sessions, 1 RTSP connection, 1 source, 1 recording (timeout 5 s)"),
                    "\(gateway.process.logTail())")
            #expect(log.contains("drain: peers done"), "\(gateway.process.logTail())")
            let drainLog = log.components(separatedBy: "SIGTERM: shutting down").dropFirst().joined()
            #expect(!drainLog.isEmpty && !drainLog.contains(" error "), "\(gateway.process.logTail())")
            let drained = log.firstMatch(of: /drained in ([0-9.]+) s/).map { String($0.1) }
            #expect(drained != nil, "\(gateway.process.logTail())")

            let closed = try await viewers.waitForLine(matching: "^closed: ", timeout: .seconds(30)).line
            let numbers = Dictionary(closed.matches(of: /(\w+)=(\d+)/).map { (String($0.1), Int($0.2) ?? -1) }) { $1 }
            #expect(numbers["viewers"] == 3, "\(closed)")
            #expect(numbers["closeNotify"] == 3, "\(closed)\n\(viewers.logTail())")
            #expect(numbers["bye"] == 3, "\(closed)\n\(viewers.logTail())")
            #expect(numbers["rtcpAuthFailures"] == 0, "\(closed)")

            // The RTSP reader sees the connection end and stops by itself.
            let readerStatus = try await reader.waitForExit(timeout: .seconds(15))

            let files = InteropScope.recordings(in: recordings)
            #expect(!files.isEmpty, "no recording in \(recordings): \(gateway.process.logTail())")
            let ffprobe = URL(fileURLWithPath: ffmpeg).deletingLastPathComponent().appendingPathComponent("ffprobe").path
            var durations: [Double] = []
            for file in files {
                let probe = try scope.start("ffprobe-recording", [
                    ffprobe, "-v", "error", "-show_entries", "stream=codec_name:format=duration", "-of", "default=nw=1", file,
                ])
                #expect(try await probe.waitForExit(timeout: .seconds(20)) == 0, "\(probe.logTail())")
                let output = probe.text(.stdout)
                #expect(output.contains("codec_name=h264"), "\(file): \(output) \(probe.logTail())")
                let duration = output.firstMatch(of: /duration=([0-9.]+)/).flatMap { Double($0.1) } ?? 0
                durations.append(duration)
            }
            #expect(durations.contains { $0 > 1 }, "recording durations \(durations)")
            print("drain: gateway exited \(status) after \(String(format: "%.3f", exitSeconds)) s (log: drained in \(drained ?? "?") s); "
                  + "viewers \(closed); RTSP reader exited \(readerStatus); recordings \(durations) s")
        }
    }
}
