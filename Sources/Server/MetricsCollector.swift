import Egress
import Foundation
import NIOCore
import Routing
import Runtime

/// Gathers a `MetricsSnapshot` from a running gateway at scrape time: the counters the paths,
/// sessions and outputs keep anyway (the same ones `/api/stats` reads), read on their own loops;
/// nothing is counted twice and the media path does no extra work for metrics.
struct MetricsCollector: Sendable {
    let gateway: Gateway

    func snapshot() async -> MetricsSnapshot {
        var snapshot = MetricsSnapshot()
        let totals = await gateway.transport.counters()
        let closed = await gateway.transport.sessionTotals()
        let sessions = closed.live
        var outByPath: [String: (packets: Int, bytes: Int)] = [:]
        for (path, counters) in closed.closedByPath { outByPath[path, default: (0, 0)] = (counters.packetsSent, counters.bytesSent) }
        var queueOverflow = closed.closedReaderDroppedUnits
        for session in sessions {
            let c = session.counters
            queueOverflow += session.readerDroppedUnits
            snapshot.sessions.append(Self.sample(session))
            let out = outByPath[session.pathName, default: (0, 0)]
            outByPath[session.pathName] = (out.packets + c.packetsSent, out.bytes + c.bytesSent)
        }
        let (outputs, rtspEnded) = await self.outputs()
        snapshot.outputs = outputs
        // A path's output totals: its WebRTC viewers (above), plain RTP egresses and RTSP readers
        // (ended ones included, so the totals never go back); recordings write files, not packets.
        for output in outputs where output.kind != "recording" {
            let out = outByPath[output.path, default: (0, 0)]
            outByPath[output.path] = (out.packets + output.packets, out.bytes + output.bytes)
        }
        for (path, stats) in rtspEnded {
            let out = outByPath[path, default: (0, 0)]
            outByPath[path] = (out.packets + stats.packetsSent, out.bytes + stats.bytesSent)
        }
        var ingestMalformed = 0, ingestForeign = 0, unitsRejected = 0
        for path in gateway.router.paths.sorted(by: { $0.name < $1.name }) {
            var sample = MetricsSnapshot.PathSample(name: path.name)
            sample.isReady = path.isReady
            sample.stats = path.stats
            unitsRejected += sample.stats.unitsRejected
            let out = outByPath[path.name, default: (0, 0)]
            (sample.packetsOut, sample.bytesOut) = (out.packets, out.bytes)
            if let source = gateway.rtpIngestSources[path.name] {
                let ingest = await source.stats()
                ingestMalformed += ingest.malformed
                ingestForeign += ingest.foreignDatagrams
            }
            snapshot.paths.append(sample)
        }
        await collectData(into: &snapshot)
        let counters = totals.counters
        snapshot.drops.merge([
            "webrtc_malformed": counters.droppedDatagrams,
            "webrtc_unrouted": totals.unrouted,
            "stun_unauthenticated": counters.stunRejected,
            "srtp_auth_failure": counters.srtpAuthFailures,
            "srtp_replay": counters.srtpReplays,
            "rtcp_malformed": counters.rtcpMalformed,
            "retransmission_budget": counters.retransmissionsRefused,
            "send_buffer_full": totals.bufferFullDrops,
            "send_error": max(totals.sendErrors - totals.bufferFullDrops, 0),
            "reader_queue_overflow": queueOverflow,
            "rtp_ingest_malformed": ingestMalformed,
            "rtp_ingest_foreign_sender": ingestForeign,
            "path_units_rejected": unitsRejected,
        ]) { _, new in new }
        let process = ProcessSample.read()
        snapshot.residentBytes = process.residentBytes
        snapshot.openFileDescriptors = process.openFileDescriptors
        snapshot.eventLoopLagSeconds = await Self.lag(of: gateway.eventLoops)
        return snapshot
    }

    /// Every output other than WebRTC, read at scrape time from the counters each keeps anyway:
    /// plain RTP egresses, RTSP readers (PLAY; one per connection, labelled with the client's
    /// address and `udp`/`tcp`) and recordings (`packets`: units recorded, `bytes`: bytes muxed
    /// into files). Also the counts of the RTSP readers that ended, per path.
    func outputs() async -> ([MetricsSnapshot.OutputSample], [String: RTSPServerPlayback.Statistics]) {
        var outputs: [MetricsSnapshot.OutputSample] = []
        for forwarder in gateway.rtpForwarders {
            guard let stats = try? await forwarder.stats() else { continue }
            var output = MetricsSnapshot.OutputSample(kind: "rtp", path: forwarder.path.name, target: forwarder.spec.description)
            output.packets = stats.packetsSent
            output.bytes = stats.bytesSent
            output.dropped = stats.packetsDropped
            outputs.append(output)
        }
        var rtspEnded: [String: RTSPServerPlayback.Statistics] = [:]
        if let rtsp = gateway.rtspServer {
            let readers = await rtsp.readerStats()
            rtspEnded = readers.endedByPath
            for reader in readers.live.sorted(by: { ($0.path, $0.client) < ($1.path, $1.client) }) {
                var output = MetricsSnapshot.OutputSample(kind: "rtsp", path: reader.path, target: "\(reader.transport)://\(reader.client)")
                output.packets = reader.stats.packetsSent
                output.bytes = reader.stats.bytesSent
                output.dropped = reader.stats.drops
                outputs.append(output)
            }
        }
        for recorder in gateway.recorders {
            let stats = await recorder.stats()
            var output = MetricsSnapshot.OutputSample(kind: "recording", path: recorder.path.name,
                                                      target: recorder.configuration.root)
            output.packets = max(stats.unitsReceived - stats.unitsSkipped, 0)
            output.bytes = stats.bytesMuxed
            output.dropped = stats.droppedBytes
            output.files = stats.filesFinished
            outputs.append(output)
        }
        return (outputs, rtspEnded)
    }

    /// One live session's numbers, as `/metrics` and `/api/sessions` (the stats pages) show them.
    static func sample(_ session: WebRTCTransport.SessionSnapshot) -> MetricsSnapshot.SessionSample {
        var sample = MetricsSnapshot.SessionSample(id: session.id, path: session.pathName, role: session.role,
                                                   candidateType: session.candidateType)
        sample.srtpProfile = session.srtpProfile
        sample.counters = session.counters
        sample.readerDroppedUnits = session.readerDroppedUnits
        let receptions = session.receptions
        if !receptions.isEmpty {
            sample.roundTripSeconds = receptions.compactMap { $0.roundTripTime.map(Self.seconds) }.max()
            sample.jitterSeconds = receptions.map(\.jitterSeconds).max()
            sample.fractionLost = receptions.map(\.fractionLost).max()
            sample.packetsLost = receptions.reduce(0) { $0 + $1.cumulativeLost }
        }
        sample.keyframeWaitSeconds = session.keyframeWait.map(Self.seconds)
        sample.freezes = session.freezes
        return sample
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// How long a task scheduled on each loop now waits before it runs.
    static func lag(of loops: [any EventLoop]) async -> [Double] {
        var lags: [Double] = []
        for loop in loops {
            let scheduled = NIODeadline.now()
            let ran = (try? await loop.submit { NIODeadline.now() }.get()) ?? scheduled
            lags.append(Double((ran - scheduled).nanoseconds) / 1e9)
        }
        return lags
    }
}

/// Resident memory and open descriptors of this process, from /proc (Linux); nil elsewhere.
struct ProcessSample {
    var residentBytes: Int?
    var openFileDescriptors: Int?

    static func read() -> ProcessSample {
        var sample = ProcessSample()
        // /proc/self/statm: size resident shared … in pages.
        if let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) {
            let fields = text.split(separator: " ")
            if fields.count > 1, let pages = Int(fields[1]) {
                let (bytes, overflow) = pages.multipliedReportingOverflow(by: Int(sysconf(Int32(_SC_PAGESIZE))))
                if !overflow { sample.residentBytes = bytes }
            }
        }
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            sample.openFileDescriptors = max(entries.count - 1, 0)   // minus the descriptor that lists them
        }
        return sample
    }
}
