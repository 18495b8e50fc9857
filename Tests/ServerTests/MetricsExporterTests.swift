import Egress
import Foundation
import Runtime
@testable import Server
import Testing

/// The `/metrics` exposition from snapshots: series names and labels, counters that follow the
/// gateway's counts, removal of a session's series when it ends, and the per-session cap.
@Suite struct MetricsExporterTests {
    /// Sample lines (`name{labels} value`) of the exposition, without comments.
    static func samples(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty }
    }

    /// The value of the one sample whose line starts with `name{` and contains every label given.
    static func value(_ text: String, _ name: String, _ labels: [String] = []) -> Double? {
        let matches = samples(text).filter { line in
            (line.hasPrefix(name + "{") || line.hasPrefix(name + " ")) && labels.allSatisfy { line.contains($0) }
        }
        guard matches.count == 1, let last = matches[0].split(separator: " ").last else { return nil }
        return Double(last)
    }

    static func session(_ id: String, path: String = "cam", packets: Int = 10) -> MetricsSnapshot.SessionSample {
        var s = MetricsSnapshot.SessionSample(id: id, path: path, role: "whep")
        s.srtpProfile = "SRTP_AEAD_AES_128_GCM"
        s.counters.packetsSent = packets
        s.counters.bytesSent = packets * 1000
        s.counters.nacksReceived = 2
        s.counters.keyframeRequestsReceived = 1
        s.roundTripSeconds = 0.012
        s.jitterSeconds = 0.003
        s.fractionLost = 0.25
        s.packetsLost = 4
        s.keyframeWaitSeconds = 0.5
        return s
    }

    static func snapshot(sessions: [MetricsSnapshot.SessionSample]) -> MetricsSnapshot {
        var snapshot = MetricsSnapshot()
        var path = MetricsSnapshot.PathSample(name: "cam")
        path.isReady = true
        path.stats.readers = sessions.count
        path.stats.unitsIn = 300
        path.stats.bytesIn = 123_456
        path.bytesOut = 654_321
        path.stats.sourceEpoch = 2
        snapshot.paths = [path]
        snapshot.sessions = sessions
        var output = MetricsSnapshot.OutputSample(kind: "rtp", path: "cam", target: "rtp://127.0.0.1 video=6000/pt96 audio=6002/pt111")
        output.packets = 40
        output.bytes = 40_000
        snapshot.outputs = [output]
        snapshot.drops = ["srtp_auth_failure": 3, "stun_unauthenticated": 5]
        snapshot.residentBytes = 50 << 20
        snapshot.openFileDescriptors = 42
        snapshot.eventLoopLagSeconds = [0.0001, 0.0002]
        return snapshot
    }

    @Test func seriesNamesAndLabels() {
        let exporter = MetricsExporter()
        let text = exporter.render(Self.snapshot(sessions: [Self.session("s1")]))
        #expect(Self.value(text, "rtcbridge_path_source_ready", [#"path="cam""#]) == 1)
        #expect(Self.value(text, "rtcbridge_path_readers", [#"path="cam""#]) == 1)
        #expect(Self.value(text, "rtcbridge_path_bytes_in_total", [#"path="cam""#]) == 123_456)
        #expect(Self.value(text, "rtcbridge_path_bytes_out_total", [#"path="cam""#]) == 654_321)
        #expect(Self.value(text, "rtcbridge_path_source_restarts_total", [#"path="cam""#]) == 1)
        let session = [#"path="cam""#, #"session="s1""#]
        #expect(Self.value(text, "rtcbridge_webrtc_session_packets_sent_total", session) == 10)
        #expect(Self.value(text, "rtcbridge_webrtc_session_bytes_sent_total", session) == 10_000)
        #expect(Self.value(text, "rtcbridge_webrtc_session_nacks_received_total", session) == 2)
        #expect(Self.value(text, "rtcbridge_webrtc_session_keyframe_requests_received_total", session) == 1)
        #expect(Self.value(text, "rtcbridge_webrtc_session_rtt_seconds", session) == 0.012)
        #expect(Self.value(text, "rtcbridge_webrtc_session_jitter_seconds", session) == 0.003)
        #expect(Self.value(text, "rtcbridge_webrtc_session_fraction_lost", session) == 0.25)
        #expect(Self.value(text, "rtcbridge_webrtc_session_packets_lost", session) == 4)
        #expect(Self.value(text, "rtcbridge_webrtc_session_keyframe_wait_seconds", session) == 0.5)
        #expect(Self.value(text, "rtcbridge_webrtc_session_info",
                           session + [#"srtp_profile="SRTP_AEAD_AES_128_GCM""#, #"candidate_type="host""#, #"role="whep""#]) == 1)
        #expect(Self.value(text, "rtcbridge_output_packets_total", [#"kind="rtp""#, #"path="cam""#]) == 40)
        #expect(Self.value(text, "rtcbridge_drops_total", [#"reason="srtp_auth_failure""#]) == 3)
        #expect(Self.value(text, "rtcbridge_drops_total", [#"reason="stun_unauthenticated""#]) == 5)
        #expect(Self.value(text, "rtcbridge_process_resident_memory_bytes") == Double(50 << 20))
        #expect(Self.value(text, "rtcbridge_process_open_fds") == 42)
        #expect(Self.value(text, "rtcbridge_event_loop_lag_seconds", [#"loop="1""#]) == 0.0002)
        #expect(text.contains("# TYPE rtcbridge_webrtc_session_packets_sent_total counter"))
        #expect(text.contains("# TYPE rtcbridge_webrtc_session_rtt_seconds gauge"))
    }

    @Test func countersFollowTheGatewaysCounts() {
        let exporter = MetricsExporter()
        _ = exporter.render(Self.snapshot(sessions: [Self.session("s1", packets: 10)]))
        let grown = exporter.render(Self.snapshot(sessions: [Self.session("s1", packets: 25)]))
        #expect(Self.value(grown, "rtcbridge_webrtc_session_packets_sent_total", [#"session="s1""#]) == 25)
        // A count that went back (a restarted source's counters) restarts the counter.
        let reset = exporter.render(Self.snapshot(sessions: [Self.session("s1", packets: 4)]))
        #expect(Self.value(reset, "rtcbridge_webrtc_session_packets_sent_total", [#"session="s1""#]) == 4)
    }

    @Test func aSessionsSeriesGoWhenItEnds() {
        let exporter = MetricsExporter()
        let both = exporter.render(Self.snapshot(sessions: [Self.session("s1"), Self.session("s2")]))
        #expect(both.contains(#"session="s1""#) && both.contains(#"session="s2""#))
        let one = exporter.render(Self.snapshot(sessions: [Self.session("s2")]))
        #expect(!one.contains(#"session="s1""#), "series of the ended session remain:\n\(one)")
        #expect(Self.value(one, "rtcbridge_webrtc_session_packets_sent_total", [#"session="s2""#]) == 10)
        let none = exporter.render(Self.snapshot(sessions: []))
        #expect(!none.contains("session="))
        #expect(Self.value(none, "rtcbridge_path_readers", [#"path="cam""#]) == 0)
        #expect(exporter.exportedSessionIDs.isEmpty)
    }

    @Test func sessionSeriesCapAtTheLimitAndOnePast() {
        let exporter = MetricsExporter(maxSessionSeries: 3)
        let atLimit = exporter.render(Self.snapshot(sessions: (1...3).map { Self.session("s\($0)") }))
        #expect(Self.samples(atLimit).filter { $0.hasPrefix("rtcbridge_webrtc_session_info{") }.count == 3)
        #expect(Self.value(atLimit, "rtcbridge_metrics_sessions_unexported") == 0)
        #expect(Self.value(atLimit, "rtcbridge_metrics_session_cap_hits_total") == 0)
        #expect(Self.value(atLimit, "rtcbridge_webrtc_sessions") == 3)

        // One past: the sessions that had series keep them; the newcomer is counted, not exported.
        let past = exporter.render(Self.snapshot(sessions: [Self.session("s0")] + (1...3).map { Self.session("s\($0)") }))
        #expect(Self.samples(past).filter { $0.hasPrefix("rtcbridge_webrtc_session_info{") }.count == 3)
        #expect(!past.contains(#"session="s0""#))
        #expect(Self.value(past, "rtcbridge_metrics_sessions_unexported") == 1)
        #expect(Self.value(past, "rtcbridge_metrics_session_cap_hits_total") == 1)
        #expect(Self.value(past, "rtcbridge_webrtc_sessions") == 4)
        #expect(exporter.exportedSessionIDs == ["s1", "s2", "s3"])

        // A slot frees up when a session ends: the waiting one gets it.
        let freed = exporter.render(Self.snapshot(sessions: [Self.session("s0"), Self.session("s2"), Self.session("s3")]))
        #expect(freed.contains(#"session="s0""#) && !freed.contains(#"session="s1""#))
        #expect(Self.value(freed, "rtcbridge_metrics_sessions_unexported") == 0)
    }

    @Test func freezeSeriesPerSession() {
        let exporter = MetricsExporter()
        var viewer = Self.session("s1")
        viewer.freezes = FreezeCounter.Statistics(freezes: 2, frozen: .milliseconds(1250), keyframeWaiting: .milliseconds(500))
        var publisher = Self.session("s2")
        publisher.role = "whip"
        let text = exporter.render(Self.snapshot(sessions: [viewer, publisher]))
        let labels = [#"path="cam""#, #"session="s1""#]
        #expect(Self.value(text, "rtcbridge_webrtc_session_freezes_total", labels) == 2)
        #expect(Self.value(text, "rtcbridge_webrtc_session_frozen_seconds_total", labels) == 1.25)
        #expect(Self.value(text, "rtcbridge_webrtc_session_keyframe_waiting_seconds_total", labels) == 0.5)
        #expect(!Self.samples(text).contains { $0.hasPrefix("rtcbridge_webrtc_session_freezes_total{") && $0.contains(#"session="s2""#) })
        #expect(text.contains("# TYPE rtcbridge_webrtc_session_freezes_total counter"))
    }

    /// Each family has one `# TYPE` line, and its samples follow it without another family in between.
    @Test func everyFamilyOnceAndContiguous() {
        let exporter = MetricsExporter()
        let text = exporter.render(Self.snapshot(sessions: (1...5).map { Self.session("s\($0)") }))
        var seen: Set<String> = []
        var current = ""
        for line in text.split(separator: "\n").map(String.init) where !line.isEmpty {
            if line.hasPrefix("# TYPE ") {
                current = String(line.split(separator: " ")[2])
                #expect(seen.insert(current).inserted, "\(current) typed twice")
            } else if !line.hasPrefix("#") {
                let name = String(line.prefix { $0 != "{" && $0 != " " })
                #expect(name == current, "\(name) outside its family (\(current))")
            }
        }
        #expect(seen.contains("rtcbridge_webrtc_session_info") && seen.contains("rtcbridge_path_readers"))
    }

    @Test func sessionLabelValuesAreEscaped() {
        let exporter = MetricsExporter()
        let text = exporter.render(Self.snapshot(sessions: [Self.session("s1", path: "a\"b\\c\nd")]))
        #expect(text.contains(#"rtcbridge_webrtc_session_packets_sent_total{path="a\"b\\c\nd",session="s1"} 10"#), "\(text)")
    }

    @Test func noSessionSeriesWithACapOfZero() {
        let exporter = MetricsExporter(maxSessionSeries: 0)
        let text = exporter.render(Self.snapshot(sessions: [Self.session("s1")]))
        #expect(!text.contains("session="))
        #expect(Self.value(text, "rtcbridge_metrics_sessions_unexported") == 1)
    }

    @Test func maxSessionSeriesFromTheConfigFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rtcbridge-metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("rtcbridge.yml").path
        var options = ServeOptions()
        options.configFile = file
        try "metrics: { maxSessionSeries: 7 }\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try options.resolve().1.maxSessionSeries == 7)
        try "paths: { demo: { source: demo } }\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try options.resolve().1.maxSessionSeries == 1000)
        try "metrics: { maxSessionSeries: -1 }\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect { try options.resolve() } throws: { "\($0)".contains("metrics.maxSessionSeries") }
    }
}
