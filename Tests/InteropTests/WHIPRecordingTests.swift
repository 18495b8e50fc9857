import Foundation
import Testing

extension InteropSuite {
    /// Recordings of a browser publisher (issue #11: "no holes up to 5 % loss"): headless Chromium
    /// publishes H.264 + Opus over WHIP into a recorded path, once on a clean link and once through
    /// `Scripts/impair-relay.py` dropping 5 % of its RTP/RTCP; ffprobe then decodes every frame of
    /// the MP4. The clean run caught padding-only probes breaking every frame after the first.
    @Suite("WHIP publisher → MP4 recording (Chromium, ffprobe)")
    struct WHIPRecordingTests {
        struct Probe {
            var frames: Int
            var errors: String
            var summary: String
            var nacksSent: Int
            /// RTX packets from the publisher unwrapped onto its media stream (RFC 4588).
            var retransmissionsReceived: Int
        }

        /// Publishes for as long as the path takes to receive `units` media units, then ends the
        /// publisher and drains the gateway (recordings finalized), and decodes the recording.
        func record(lossUp: String?) async throws -> Probe {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let recordings = scope.file("recordings")
            try FileManager.default.createDirectory(atPath: recordings, withIntermediateDirectories: true)
            var arguments = ["--path", "live=publisher", "--record", "live=\(recordings)"]
            var relay: ManagedProcess?
            var control = ""
            if let lossUp {
                let started = try await LossRecoveryTests.startRelay(scope, seconds: 120, ["--up", lossUp])
                (relay, control) = (started.relay, started.control)
                arguments = ["--path", "live=publisher", "--record", "live=\(recordings)", "--cors-origin", "*", "--http", "127.0.0.1:0",
                             "--webrtc-udp", "0", "--ice-host", "127.0.0.1:\(started.port)"]
            }
            let gateway = try await (lossUp == nil ? scope.startGateway(arguments) : scope.startGateway(exactly: arguments))
            if let relay { try await relay.relayCommand("target 127.0.0.1 \(gateway.webrtcPort)", control: control) }
            let publisher = try scope.startWHIPPublisher(gateway.url("/live/whip"), codec: "H264")
            try await scope.waitForPublishedMedia(gateway, path: "live", publisher: publisher)
            // ~6 s of media: 30 video frames and 50 Opus packets a second.
            let deadline = ContinuousClock.now + .seconds(40)
            var unitsIn = 0
            while unitsIn < 480, ContinuousClock.now < deadline, publisher.process.isRunning {
                unitsIn = try await scope.stats(of: gateway).path("live")?.unitsIn ?? 0
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(unitsIn >= 480, "path received \(unitsIn) units: \(publisher.process.logTail())")
            let stats = try await scope.http("GET", gateway.url("/api/stats")).body   // while the session lives
            let nacksSent = LossRecoveryTests.number(stats, "webrtc", "nacksSent") ?? -1
            let rtxReceived = LossRecoveryTests.number(stats, "webrtc", "retransmissionsReceived") ?? -1
            let rtxUnmatched = LossRecoveryTests.number(stats, "webrtc", "retransmissionsUnmatched") ?? -1
            let rtxRedundant = LossRecoveryTests.number(stats, "webrtc", "retransmissionsRedundant") ?? -1
            let published = try await publisher.finish()
            #expect(published.ok, "\(published.json)")
            #expect(try await scope.waitUntilIdle(gateway, path: "live"), "publisher still on the path")
            var relayCounters: [String: Int] = [:]
            if let relay {
                try await relay.relayCommand("counters", control: control)
                relayCounters = relay.relayCounters()
                #expect((relayCounters["up.lost"] ?? 0) > 0, "the relay dropped nothing: \(relayCounters)")
            }
            gateway.process.send(SIGTERM)
            #expect(try await gateway.process.waitForExit(timeout: .seconds(10)) == 0, "\(gateway.process.logTail())")

            let files = (FileManager.default.enumerator(atPath: recordings)?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix(".mp4") }.sorted().map { recordings + "/" + $0 }
            #expect(files.count == 1, "recordings \(files): \(gateway.process.logTail())")
            let file = try #require(files.first)
            let (status, probe) = try await scope.probeRecording(file)
            #expect(status == 0, "\(probe.logTail())")
            let output = probe.text(.stdout)
            #expect(output.contains("codec_name=h264") && output.contains("codec_name=opus"), "\(output)")
            let counts = output.matches(of: /nb_read_frames=([0-9]+)/).compactMap { Int($0.1) }
            let summary = "\(output.split(separator: "\n").joined(separator: " ")); NACKs sent to the publisher "
                + "\(Int(nacksSent)), RTX received \(Int(rtxReceived)) (probes: padding \(Int(rtxUnmatched)), old payload \(Int(rtxRedundant))); relay \(relayCounters); "
                + "publisher framesEncoded=\(published.framesEncoded ?? 0)"
            // Streams are listed in track order: video first.
            return Probe(frames: counts.first ?? 0, errors: probe.text(.stderr), summary: summary, nacksSent: Int(nacksSent),
                         retransmissionsReceived: Int(rtxReceived))
        }

        @Test("Chromium WHIP H.264 → MP4: every published frame recorded, ffprobe decodes it without an error",
              .requires(InteropTool.browserAgainstGateway + [.curl, .ffmpeg]), .timeLimit(.minutes(3)))
        func cleanLinkRecordsEveryFrame() async throws {
            let probe = try await record(lossUp: nil)
            print("WHIP recording, clean link: video frames \(probe.frames); \(probe.summary)")
            #expect(probe.frames >= 120, "\(probe.summary)")
            #expect(probe.errors.isEmpty, "ffprobe errors: \(probe.errors)")
        }

        @Test("Chromium WHIP H.264 with 5 % loss on ingest → MP4 that ffprobe decodes without an error",
              .requires(InteropTool.browserAgainstGateway + [.curl, .ffmpeg]), .timeLimit(.minutes(3)))
        func fivePercentLossOnIngestLeavesNoDecodeErrors() async throws {
            let probe = try await record(lossUp: "loss=0.05")
            print("WHIP recording, 5 % loss on ingest: video frames \(probe.frames); \(probe.summary)")
            #expect(probe.frames >= 60, "\(probe.summary)")
            #expect(probe.nacksSent > 0, "the gateway asked the publisher for nothing: \(probe.summary)")
            #expect(probe.retransmissionsReceived > 0, "no RTX came back from the publisher: \(probe.summary)")
            #expect(probe.errors.isEmpty, "ffprobe errors: \(probe.errors)")
        }
    }
}
