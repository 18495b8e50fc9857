import Runtime
@testable import Server
import Testing

/// Issue #9's data counters and the MPEG-TS ingest counters in `/metrics`: series per path, per
/// reader (bounded by the session cap), drops by reason, and removal when the path goes.
@Suite struct MetricsExporterDataTests {
    typealias DataSample = MetricsSnapshot.DataPathSample

    static func snapshot(sessions: [String], readers: [String], delivered: Int) -> MetricsSnapshot {
        var snapshot = MetricsSnapshot()
        snapshot.sessions = sessions.map { MetricsSnapshot.SessionSample(id: $0, path: "cam", role: "whep") }
        var data = DataSample(path: "cam")
        data.readers = readers.count + 1
        (data.messagesIn, data.bytesIn, data.messagesOut, data.dropped, data.rejected) = (1_000, 200_000, 2_000, 7, 3)
        var device = DataSample.Reader(kind: "udp", name: "127.0.0.1:7000")
        (device.messagesIn, device.bytesIn, device.messagesOut, device.bytesOut) = (1_000, 200_000, 5, 50)
        data.readerSamples = [device] + readers.map { name in
            var reader = DataSample.Reader(kind: "whep", name: name)
            (reader.messagesOut, reader.bytesOut, reader.dropped, reader.queued) = (delivered, delivered * 200, 1, 2)
            return reader
        }
        var udp = DataSample.Device()
        (udp.datagramsIn, udp.bytesIn, udp.datagramsOut, udp.bytesOut, udp.droppedTooLarge, udp.droppedNoTarget) =
            (1_003, 300_000, 5, 50, 3, 1)
        data.device = udp
        snapshot.data = [data]
        var ts = MPEGTSSource.Stats()
        (ts.datagrams, ts.demuxer.packets, ts.published) = (100, 700, 60)
        (ts.demuxer.continuityErrors, ts.demuxer.resyncs, ts.demuxer.malformedUnits) = (4, 2, 1)
        snapshot.mpegTS = [MetricsSnapshot.MPEGTSSample(path: "tv", stats: ts)]
        snapshot.drops = ["data_too_large": 3, "data_reader_queue_overflow": 7, "mpegts_continuity": 4]
        return snapshot
    }

    @Test func dataAndMPEGTSSeries() {
        let exporter = MetricsExporter(maxSessionSeries: 10)
        let text = exporter.render(Self.snapshot(sessions: ["s1", "s2"], readers: ["s1", "s2"], delivered: 990))
        let value = { (name: String, labels: [String]) in MetricsExporterTests.value(text, name, labels) }
        #expect(value("rtcbridge_data_messages_in_total", ["path=\"cam\""]) == 1_000)
        #expect(value("rtcbridge_data_bytes_in_total", ["path=\"cam\""]) == 200_000)
        #expect(value("rtcbridge_data_messages_out_total", ["path=\"cam\""]) == 2_000)
        #expect(value("rtcbridge_data_readers", ["path=\"cam\""]) == 3)
        #expect(value("rtcbridge_data_dropped_total", ["reason=\"reader_queue_overflow\""]) == 7)
        #expect(value("rtcbridge_data_dropped_total", ["reason=\"too_large\""]) == 3)
        #expect(value("rtcbridge_data_device_datagrams_in_total", ["path=\"cam\""]) == 1_003)
        #expect(value("rtcbridge_data_device_dropped_total", ["reason=\"no_target\""]) == 1)
        #expect(value("rtcbridge_data_reader_messages_out_total", ["reader=\"s2\"", "kind=\"whep\""]) == 990)
        #expect(value("rtcbridge_data_reader_bytes_out_total", ["reader=\"s1\""]) == 198_000)
        #expect(value("rtcbridge_data_reader_messages_in_total", ["kind=\"udp\"", "reader=\"127.0.0.1:7000\""]) == 1_000)
        #expect(value("rtcbridge_data_reader_queued", ["reader=\"s1\""]) == 2)
        #expect(value("rtcbridge_mpegts_continuity_errors_total", ["path=\"tv\""]) == 4)
        #expect(value("rtcbridge_mpegts_dropped_total", ["reason=\"malformed_unit\""]) == 1)
        #expect(value("rtcbridge_mpegts_packets_total", ["path=\"tv\""]) == 700)
        #expect(value("rtcbridge_drops_total", ["reason=\"data_reader_queue_overflow\""]) == 7)

        // Counters follow the gateway's counts between scrapes.
        let later = exporter.render(Self.snapshot(sessions: ["s1", "s2"], readers: ["s1", "s2"], delivered: 1_500))
        #expect(MetricsExporterTests.value(later, "rtcbridge_data_reader_messages_out_total", ["reader=\"s1\""]) == 1_500)

        // A session that left takes its reader series along; a removed path takes all of them.
        let left = exporter.render(Self.snapshot(sessions: ["s1"], readers: ["s1"], delivered: 1_600))
        #expect(MetricsExporterTests.value(left, "rtcbridge_data_reader_messages_out_total", ["reader=\"s2\""]) == nil)
        #expect(MetricsExporterTests.value(left, "rtcbridge_data_reader_messages_out_total", ["reader=\"s1\""]) == 1_600)
        let gone = exporter.render(MetricsSnapshot())
        let remaining = MetricsExporterTests.samples(gone).filter { $0.hasPrefix("rtcbridge_data_") || $0.hasPrefix("rtcbridge_mpegts_") }
        #expect(remaining.isEmpty, "\(remaining)")
    }

    /// Per-reader series exist only for sessions that have per-session series (and the device):
    /// the session cap bounds them.
    @Test func readerSeriesFollowTheSessionCap() {
        let exporter = MetricsExporter(maxSessionSeries: 2)
        let names = (0..<5).map { "s\($0)" }
        let text = exporter.render(Self.snapshot(sessions: names, readers: names, delivered: 10))
        let readers = MetricsExporterTests.samples(text).filter { $0.hasPrefix("rtcbridge_data_reader_messages_out_total{") }
        #expect(readers.count == 3, "\(readers)")   // the device and the two exported sessions
        #expect(readers.contains { $0.contains("reader=\"s0\"") } && readers.contains { $0.contains("reader=\"s1\"") })
        #expect(!readers.contains { $0.contains("reader=\"s4\"") })
    }
}
