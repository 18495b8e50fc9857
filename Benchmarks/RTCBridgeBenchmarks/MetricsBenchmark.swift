import Egress
import Foundation
import Server

/// `/metrics` rendering at scale: a snapshot with `sessions` live WebRTC sessions (plus paths,
/// outputs and drops, as a gateway reports them) turned into the Prometheus text by
/// `MetricsExporter` (per-session series written directly, the rest through swift-prometheus), first when every series is new, then on later scrapes where every counter
/// moved (the steady state). The media path does no metrics work per packet (the sessions'
/// counters are plain integers they keep anyway, read at scrape time), so the metrics cost per
/// viewer-packet is the scrape cost spread over the packets the viewers got between scrapes.
struct MetricsBenchmark {
    var sessions: Int
    var paths: Int
    var scrapes: Int

    struct Result {
        var firstRender: Duration
        var p50: Duration
        var max: Duration
        var bytes: Int
        /// The same in thread CPU seconds (TranscodeBenchmark.threadCPUSeconds), so other load on a
        /// busy machine does not count.
        var firstRenderCPU: Double
        var p50CPU: Double
        var maxCPU: Double
    }

    func snapshot(round: Int) -> MetricsSnapshot {
        var snapshot = MetricsSnapshot()
        for index in 0..<paths {
            var path = MetricsSnapshot.PathSample(name: "cam\(index)")
            path.isReady = true
            path.stats.readers = sessions / max(paths, 1)
            path.stats.unitsIn = 30 * round
            path.stats.packetsIn = 200 * round
            path.stats.bytesIn = 200_000 * round
            path.packetsOut = path.stats.packetsIn * path.stats.readers
            path.bytesOut = path.stats.bytesIn * path.stats.readers
            snapshot.paths.append(path)
        }
        for index in 0..<sessions {
            var session = MetricsSnapshot.SessionSample(id: String(format: "s%011d", index), path: "cam\(index % max(paths, 1))",
                                                        role: "whep")
            session.srtpProfile = "SRTP_AEAD_AES_128_GCM"
            session.counters.packetsSent = 200 * round + index
            session.counters.bytesSent = 200_000 * round + index
            session.counters.packetsReceived = 2 * round
            session.counters.nacksReceived = round / 10
            session.counters.keyframeRequestsReceived = round / 30
            session.counters.retransmissions = round / 10
            session.roundTripSeconds = 0.001 * Double(index % 50)
            session.jitterSeconds = 0.0001
            session.fractionLost = 0
            session.packetsLost = round / 100
            session.keyframeWaitSeconds = 0.05
            session.freezes = FreezeCounter.Statistics(freezes: round / 50, frozen: .milliseconds(200 * (round / 50)),
                                                       keyframeWaiting: .milliseconds(50))
            snapshot.sessions.append(session)
        }
        snapshot.drops = ["webrtc_malformed": round, "srtp_auth_failure": 0, "reader_queue_overflow": round / 7]
        snapshot.residentBytes = 100 << 20
        snapshot.openFileDescriptors = 40
        snapshot.eventLoopLagSeconds = [0.0001, 0.0002]
        return snapshot
    }

    func run() -> Result {
        let exporter = MetricsExporter(maxSessionSeries: sessions)
        let clock = ContinuousClock()
        let first = snapshot(round: 1)
        var text = ""
        var cpu = TranscodeBenchmark.threadCPUSeconds()
        let firstRender = clock.measure { text = exporter.render(first) }
        let firstRenderCPU = TranscodeBenchmark.threadCPUSeconds() - cpu
        var times: [Duration] = []
        var cpuTimes: [Double] = []
        for round in 2..<(scrapes + 2) {
            let next = snapshot(round: round)   // built outside the timing: the collector's part
            cpu = TranscodeBenchmark.threadCPUSeconds()
            times.append(clock.measure { text = exporter.render(next) })
            cpuTimes.append(TranscodeBenchmark.threadCPUSeconds() - cpu)
        }
        times.sort()
        cpuTimes.sort()
        return Result(firstRender: firstRender, p50: times[times.count / 2], max: times[times.count - 1], bytes: text.utf8.count,
                      firstRenderCPU: firstRenderCPU, p50CPU: cpuTimes[cpuTimes.count / 2], maxCPU: cpuTimes[cpuTimes.count - 1])
    }
}
