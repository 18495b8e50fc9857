import CoreMetrics
import Prometheus
import Synchronization

/// Turns `MetricsSnapshot`s into the Prometheus text format (`GET /metrics`): paths, outputs,
/// drops and process series through swift-metrics objects backed by a swift-prometheus registry
/// of its own (not the process-wide one, so tests and several gateways in one process stay
/// apart); the per-session series written directly by `MetricsSessionSeries` (one new series in
/// swift-prometheus copies its whole family, which made the first scrape of 1,000 sessions slow).
///
/// The gateway's counters are read at scrape time; each monotonic count becomes a Prometheus
/// counter that is advanced by what the value grew since the last scrape (reset when it went
/// back), each level a gauge. A series not reported by a scrape is removed: a session's series
/// go when it ends, a path's when it is removed. At most `maxSessionSeries` sessions have
/// per-session series (those already exported keep their place); the others are counted in
/// `rtcbridge_metrics_sessions_unexported` and `rtcbridge_metrics_session_cap_hits_total`.
public final class MetricsExporter: Sendable {
    public let maxSessionSeries: Int
    private let registry = PrometheusCollectorRegistry()
    private let state = Mutex(State())

    struct State {
        var counters: [String: (counter: CoreMetrics.Counter, last: Int)] = [:]
        var gauges: [String: CoreMetrics.Meter] = [:]
        /// Series set by the scrape in progress (the rest are removed at its end).
        var touched: Set<String> = []
        /// Sessions that have series, in the order they got them.
        var exportedSessions: [String] = []
    }

    public init(maxSessionSeries: Int = 1000) {
        self.maxSessionSeries = max(0, maxSessionSeries)
    }

    /// Applies `snapshot` and renders every series: the per-session ones are written directly
    /// (`MetricsSessionSeries`), the rest through the swift-prometheus registry.
    public func render(_ snapshot: MetricsSnapshot) -> String {
        let factory = PrometheusMetricsFactory(registry: registry)
        let sessions = state.withLock { state in
            var writer = Writer(state: state, factory: factory)
            writer.write(snapshot, maxSessionSeries: maxSessionSeries)
            state = writer.finish()
            return writer.exportedSamples
        }
        var buffer = registry.emitToBuffer()
        MetricsSessionSeries.append(sessions, into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// Sessions that currently have series (for tests).
    public var exportedSessionIDs: [String] { state.withLock { $0.exportedSessions } }

    /// One scrape's updates: set what the snapshot says, then sweep what it did not mention.
    struct Writer {
        var state: State
        let factory: PrometheusMetricsFactory
        /// The sessions whose series this scrape writes (see `MetricsSessionSeries`).
        var exportedSamples: [MetricsSnapshot.SessionSample] = []

        init(state: State, factory: PrometheusMetricsFactory) {
            self.state = state
            self.factory = factory
            self.state.touched = []
        }

        mutating func finish() -> State {
            for (key, entry) in state.counters where !state.touched.contains(key) {
                entry.counter.destroy()
                state.counters[key] = nil
            }
            for (key, gauge) in state.gauges where !state.touched.contains(key) {
                gauge.destroy()
                state.gauges[key] = nil
            }
            return state
        }

        static func key(_ name: String, _ labels: [(String, String)]) -> String {
            labels.reduce(name) { $0 + "\u{0}" + $1.0 + "=" + $1.1 }
        }

        /// A monotonic count read from the gateway.
        mutating func counter(_ name: String, _ labels: [(String, String)] = [], _ value: Int) {
            let key = Self.key(name, labels)
            state.touched.insert(key)
            let value = max(value, 0)
            if var entry = state.counters[key] {
                if value < entry.last { entry.counter.reset(); entry.counter.increment(by: value) } else if value > entry.last {
                    entry.counter.increment(by: value - entry.last)
                }
                entry.last = value
                state.counters[key] = entry
            } else {
                let counter = CoreMetrics.Counter(label: name, dimensions: labels, factory: factory)
                if value > 0 { counter.increment(by: value) }
                state.counters[key] = (counter, value)
            }
        }

        mutating func gauge(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
            let key = Self.key(name, labels)
            state.touched.insert(key)
            let gauge = state.gauges[key] ?? CoreMetrics.Meter(label: name, dimensions: labels, factory: factory)
            gauge.set(value)
            state.gauges[key] = gauge
        }

        mutating func write(_ snapshot: MetricsSnapshot, maxSessionSeries: Int) {
            for path in snapshot.paths { write(path) }
            let exported = chooseSessions(snapshot.sessions, cap: maxSessionSeries)
            exportedSamples = snapshot.sessions.filter { exported.contains($0.id) }
            let unexported = snapshot.sessions.count - exported.count
            gauge("rtcbridge_metrics_sessions_unexported", [], Double(unexported))
            let hits = (state.counters[Self.key("rtcbridge_metrics_session_cap_hits_total", [])]?.last ?? 0) + (unexported > 0 ? 1 : 0)
            counter("rtcbridge_metrics_session_cap_hits_total", [], hits)
            gauge("rtcbridge_webrtc_sessions", [], Double(snapshot.sessions.count))
            for output in snapshot.outputs { write(output) }
            writeData(snapshot, exportedSessions: exported)
            for (reason, count) in snapshot.drops.sorted(by: { $0.key < $1.key }) {
                counter("rtcbridge_drops_total", [("reason", reason)], count)
            }
            if let rss = snapshot.residentBytes { gauge("rtcbridge_process_resident_memory_bytes", [], Double(rss)) }
            if let fds = snapshot.openFileDescriptors { gauge("rtcbridge_process_open_fds", [], Double(fds)) }
            for (index, lag) in snapshot.eventLoopLagSeconds.enumerated() {
                gauge("rtcbridge_event_loop_lag_seconds", [("loop", String(index))], lag)
            }
        }

        /// The sessions that get series: those that already have them, then new ones up to the cap.
        mutating func chooseSessions(_ sessions: [MetricsSnapshot.SessionSample], cap: Int) -> Set<String> {
            let live = Set(sessions.map(\.id))
            var kept = state.exportedSessions.filter { live.contains($0) }
            var chosen = Set(kept)
            for session in sessions where kept.count < cap && !chosen.contains(session.id) {
                kept.append(session.id)
                chosen.insert(session.id)
            }
            if kept.count > cap {   // the cap was lowered: keep the oldest
                kept.removeLast(kept.count - cap)
                chosen = Set(kept)
            }
            state.exportedSessions = kept
            return chosen
        }

        mutating func write(_ path: MetricsSnapshot.PathSample) {
            let labels = [("path", path.name)]
            gauge("rtcbridge_path_source_ready", labels, path.isReady ? 1 : 0)
            gauge("rtcbridge_path_readers", labels, Double(path.stats.readers))
            counter("rtcbridge_path_units_in_total", labels, path.stats.unitsIn)
            counter("rtcbridge_path_packets_in_total", labels, path.stats.packetsIn)
            counter("rtcbridge_path_bytes_in_total", labels, path.stats.bytesIn)
            counter("rtcbridge_path_packets_out_total", labels, path.packetsOut)
            counter("rtcbridge_path_bytes_out_total", labels, path.bytesOut)
            counter("rtcbridge_path_keyframe_requests_received_total", labels, path.stats.keyframeRequestsReceived)
            counter("rtcbridge_path_keyframe_requests_sent_total", labels, path.stats.keyframeRequestsSent)
            counter("rtcbridge_path_source_restarts_total", labels, path.sourceRestarts)
            counter("rtcbridge_path_units_rejected_total", labels, path.stats.unitsRejected)
        }

        mutating func write(_ output: MetricsSnapshot.OutputSample) {
            let labels = [("kind", output.kind), ("path", output.path), ("target", output.target)]
            counter("rtcbridge_output_packets_total", labels, output.packets)
            counter("rtcbridge_output_bytes_total", labels, output.bytes)
            counter("rtcbridge_output_dropped_total", labels, output.dropped)
            counter("rtcbridge_output_files_total", labels, output.files)
        }
    }
}
