import Egress
import Routing
import WebRTC

/// What one `/metrics` scrape reports, gathered from the gateway's existing counters (see
/// `MetricsCollector`) and turned into Prometheus series by `MetricsExporter`. Plain values, so
/// the exposition is tested without a running gateway.
public struct MetricsSnapshot: Sendable {
    /// One routing path.
    public struct PathSample: Sendable {
        public var name: String
        /// A source (publisher) is attached.
        public var isReady = false
        /// The path's own counters as it keeps them: readers, units, packets and bytes in, keyframe
        /// requests from readers (before coalescing) and passed to the source (after), units
        /// refused (stale publisher token, unknown track), the publisher's epoch.
        public var stats = PathStats()
        /// RTP sent to this path's WebRTC viewers (ended sessions included) and plain RTP egresses.
        public var packetsOut = 0
        public var bytesOut = 0
        /// Publishers attached after the first (source restarts, reconnects, takeovers).
        public var sourceRestarts: Int { max(stats.sourceEpoch - 1, 0) }
        public init(name: String) { self.name = name }
    }

    /// One live WebRTC session (labels: path, its metrics id; never a token nor its resource id).
    public struct SessionSample: Sendable {
        public var id: String
        public var path: String
        /// `whep` or `whip`.
        public var role: String
        public var srtpProfile: String?
        public var candidateType: String
        /// The session's counters as it keeps them (packets and bytes sent, packets received,
        /// NACKs received and sent, PLI + FIR from the peer, retransmissions, …).
        public var counters = WebRTCCounters()
        /// From the peer's receiver reports (nil before the first): the largest round-trip time
        /// and jitter over the session's streams, the largest fraction lost, the sum of packets lost.
        public var roundTripSeconds: Double?
        public var jitterSeconds: Double?
        public var fractionLost: Double?
        public var packetsLost: Int?
        /// DTLS up → first media forwarded (viewers), or waited so far.
        public var keyframeWaitSeconds: Double?
        /// Units the viewer's path reader dropped (queue overflow, waiting for a keyframe).
        public var readerDroppedUnits = 0
        /// Freezes of the video sent and the time spent waiting for keyframes (viewers; see `FreezeCounter`).
        public var freezes: FreezeCounter.Statistics?
        public init(id: String, path: String, role: String, candidateType: String = "host") {
            self.id = id
            self.path = path
            self.role = role
            self.candidateType = candidateType
        }
    }

    /// One output other than WebRTC: a plain RTP egress, an RTSP reader or a recorder.
    public struct OutputSample: Sendable {
        /// `rtp`, `rtsp` or `recording`.
        public var kind: String
        public var path: String
        /// Where it goes (RTP: the destination; RTSP: `udp://` or `tcp://` and the client's address;
        /// recording: the directory); never a credential.
        /// Recording: `packets` are media units recorded, `bytes` the bytes muxed into files.
        public var target: String
        public var packets = 0
        public var bytes = 0
        /// Packets (RTP) or bytes (recording) dropped because the destination could not keep up.
        public var dropped = 0
        /// Files finished (recording).
        public var files = 0
        public init(kind: String, path: String, target: String) {
            self.kind = kind
            self.path = path
            self.target = target
        }
    }

    public var paths: [PathSample] = []
    public var sessions: [SessionSample] = []
    public var outputs: [OutputSample] = []
    /// Data buses and devices (issue #9) and MPEG-TS ingest, per path (MetricsSnapshot+Data).
    public var data: [DataPathSample] = []
    public var mpegTS: [MPEGTSSample] = []
    /// Datagrams, packets or units dropped, by reason (monotonic counts).
    public var drops: [String: Int] = [:]
    public var residentBytes: Int?
    public var openFileDescriptors: Int?
    /// Per event loop: how long a task scheduled on it waited before it ran.
    public var eventLoopLagSeconds: [Double] = []
    public init() {}
}
