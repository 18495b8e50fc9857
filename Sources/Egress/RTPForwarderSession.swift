import Codecs
import RTCBase
import RTP
import Routing
import SDP

/// Plain RTP egress of one path to one destination, sans-IO (RFC 3550 over UDP with the RTP/AVP
/// profile of RFC 3551): turns a path reader's events into RTP datagrams per media kind, sends
/// RTCP sender reports with an SDES CNAME (RFC 3550 §6.4.1, §6.5.1), reads receiver reports and
/// honours PLI (RFC 4585 §6.3.1) and FIR (RFC 5104 §4.3.1) as keyframe requests, and describes
/// what it sends as a receiver SDP (RFC 8866, H.264 parameters of RFC 6184 §8.1).
///
/// One stream per media kind: the first video and the first audio track of the path. Each keeps
/// its SSRC and continues its sequence numbers and timestamps across source restarts
/// (`RTPStreamRewriter`); video starts, and restarts after a send failure, on a keyframe.
///
/// Contract: after `handle(_:now:)` or `close(now:)`, drain `poll()` until it returns `.timeout`.
public struct RTPForwarderSession {
    public struct Configuration: Sendable {
        public var pathName: String
        public var spec: ForwardSpec
        /// RTCP CNAME sent in SDES with every sender report.
        public var cname: String
        public var senderReportInterval: Duration = .seconds(1)
        /// Plain RTP receivers (ffplay, VLC from an SDP file) rarely send PLI, and sources such as
        /// WebRTC publishers send keyframes only on request: when no video keyframe went out for
        /// this long, ask the path for one, so a receiver that starts late can decode. Nil: never.
        public var keyframeInterval: Duration? = .seconds(3)
        /// `wallClockAnchor.unixSeconds` was the wall-clock time at `wallClockAnchor.instant` (SR NTP times).
        public var wallClockAnchor: (instant: Instant, unixSeconds: Double)
        /// The `o=` session ID of the generated SDP.
        public var sdpSessionID: UInt64
        public var videoSSRC: UInt32
        public var audioSSRC: UInt32
        /// Puts lossy sources' packets back in order before they go out, waiting a bounded time
        /// for retransmissions (`MediaUnitReorderer`); nil sends units as the path delivers them.
        public var reorder: MediaUnitReorderer.Configuration? = MediaUnitReorderer.Configuration()

        public init(pathName: String, spec: ForwardSpec, wallClockAnchor: (instant: Instant, unixSeconds: Double),
                    cname: String = "rtcbridge-\(SecureRandom.uint32())",
                    sdpSessionID: UInt64 = UInt64(SecureRandom.uint32()),
                    videoSSRC: UInt32 = SecureRandom.uint32(), audioSSRC: UInt32 = SecureRandom.uint32()) {
            self.pathName = pathName
            self.spec = spec
            self.cname = cname
            self.wallClockAnchor = wallClockAnchor
            self.sdpSessionID = sdpSessionID
            self.videoSSRC = videoSSRC
            self.audioSSRC = audioSSRC == videoSSRC ? audioSSRC &+ 1 : audioSSRC
        }
    }

    /// What the session is fed.
    public enum Input: Sendable {
        case reader(ReaderEvent)
        /// A datagram received on one of the kind's local sockets (RTCP from a receiver).
        case datagram([UInt8], kind: TrackKind)
        /// The runtime could not send on the kind's socket (a slow or unreachable destination).
        case sendFailed(TrackKind)
        /// The deadline from `poll()` has passed.
        case timeout
    }

    /// One datagram to send from the kind's local socket pair to the destination's RTP or RTCP port.
    public struct Datagram: Sendable, Equatable {
        public var bytes: [UInt8]
        public var kind: TrackKind
        public var isRTCP: Bool
    }

    public enum Event: Sendable, Equatable {
        /// A receiver asked for a keyframe (PLI/FIR) or video must restart; ask the path.
        case keyframeRequested
        /// The receiver SDP text changed (tracks known, codec parameters learnt): write it out.
        case descriptionChanged(String)
        /// The path was removed; nothing more will be sent.
        case closed
    }

    public enum Output: Sendable, Equatable {
        case transmit(Datagram)
        case event(Event)
        /// Call `handle(.timeout, now:)` at this instant (`.distantFuture` when nothing is due).
        case timeout(Instant)
    }

    struct Stream {
        var trackID: Int?
        var encodingName: String
        /// The registry's entry for the codec (parameter sets, SDP facts); nil when unknown.
        var codec: CodecDescriptor?
        var channels: Int?
        var fmtp: [String: String]
        /// Rewrite, keyframe gate and sender-report bookkeeping.
        var media: PassThroughStream<SenderReportSchedule>
        /// Parameter sets seen in the newest keyframe that had them (H.264 SPS and PPS, for
        /// `sprop-parameter-sets`).
        var parameterSets: [[UInt8]] = []
        var lastReceptionReport: RTCPReceptionReport?
    }

    public let configuration: Configuration
    var video: Stream?
    var audio: Stream?
    var outputs = OutputQueue<Output>()
    var descriptionMedia: [SessionDescription.RTPReceiverMedia] = []
    var descriptionVersion: UInt64 = 0
    /// When a video keyframe last went out, and when one was last asked for.
    var lastKeyframeSent: Instant?
    var lastKeyframeRequest: Instant?
    public private(set) var isClosed = false
    public internal(set) var stats = RTPForwarderStats()
    var reorderer: MediaUnitReorderer?

    public init(configuration: Configuration) {
        self.configuration = configuration
        reorderer = configuration.reorder.map { MediaUnitReorderer(configuration: $0) }
    }

    /// The ordering stage's counters (lost, late and reordered packets, time held); nil without one.
    public var reorderCounters: RTPReorderBuffer.Counters? { reorderer?.counters }

    /// The outbound SSRC of a kind.
    public func ssrc(for kind: TrackKind) -> UInt32 {
        kind == .video ? configuration.videoSSRC : configuration.audioSSRC
    }

    /// The newest reception report a receiver sent about the kind's stream.
    public func lastReceptionReport(for kind: TrackKind) -> RTCPReceptionReport? {
        (kind == .video ? video : audio)?.lastReceptionReport
    }

    public mutating func handle(_ input: Input, now: Instant) {
        guard !isClosed else { return }
        switch input {
        case .reader(.tracks(let tracks, _)):
            forward(reorderer?.setTracks(tracks, now: now) ?? [], now: now)
            setTracks(tracks)
        case .reader(.unit(let unit)):
            if reorderer != nil { forward(reorderer?.insert(unit, now: now) ?? [], now: now) } else { forward(unit, now: now) }
        case .reader(.sourceEnded): forward(reorderer?.releaseAll(now: now) ?? [], now: now)
        case .reader(.pathClosed):
            forward(reorderer?.releaseAll(now: now) ?? [], now: now)
            close(now: now)
            outputs.append(.event(.closed))
        case .datagram(let bytes, let kind): receiveRTCP(bytes, kind: kind)
        case .sendFailed(let kind): noteSendFailure(kind)
        case .timeout:
            if let deadline = reorderer?.nextDeadline, deadline <= now { forward(reorderer?.releaseDue(now: now) ?? [], now: now) }
            sendDueReports(now: now)
        }
    }

    /// The next output; `.timeout` once everything queued was taken.
    public mutating func poll() -> Output {
        if let output = outputs.popFirst() { return output }
        guard !isClosed else { return .timeout(.distantFuture) }
        let next = [video?.media.reports.nextReport, audio?.media.reports.nextReport, reorderer?.nextDeadline].compactMap { $0 }.min()
        return .timeout(next ?? .distantFuture)
    }

    /// Ends the session: a final SR, SDES and BYE (RFC 3550 §6.6) per stream that sent media.
    public mutating func close(now: Instant) {
        guard !isClosed else { return }
        for kind in [TrackKind.video, .audio] {
            guard let stream = stream(kind), stream.media.reports.generator.packetCount > 0 else { continue }
            var packets = reportPackets(stream, now: now)
            packets.append(.bye(RTCPBye(ssrcs: [stream.media.ssrc], reason: "stream ended")))
            outputs.append(.transmit(Datagram(bytes: RTCPCompound.serialize(packets), kind: kind, isRTCP: true)))
        }
        isClosed = true
    }

    // MARK: Media

    private mutating func setTracks(_ tracks: [TrackInfo]) {
        for kind in [TrackKind.video, .audio] {
            guard let track = tracks.first(where: { $0.kind == kind }) else {
                modify(kind) { $0?.trackID = nil }
                continue
            }
            let payloadType = kind == .video ? configuration.spec.videoPayloadType : configuration.spec.audioPayloadType
            if var stream = stream(kind) {
                if stream.encodingName != track.encodingName { stream.parameterSets = [] }
                stream.trackID = track.id
                stream.encodingName = track.encodingName
                stream.codec = track.codec
                stream.channels = track.channels
                stream.fmtp = track.fmtp
                stream.media.restart(kind: kind, clockRate: track.clockRate)
                modify(kind) { $0 = stream }
            } else {
                let media = PassThroughStream(kind: kind, ssrc: ssrc(for: kind), payloadType: payloadType,
                                              clockRate: track.clockRate,
                                              reports: SenderReportSchedule(ssrc: ssrc(for: kind), clockRate: track.clockRate),
                                              initialSequenceNumber: SecureRandom.uint16(),
                                              initialTimestamp: SecureRandom.uint32())
                let stream = Stream(trackID: track.id, encodingName: track.encodingName, codec: track.codec,
                                    channels: track.channels, fmtp: track.fmtp, media: media)
                modify(kind) { $0 = stream }
            }
        }
        updateDescription()
    }

    private mutating func forward(_ units: [MediaUnit], now: Instant) {
        for unit in units { forward(unit, now: now) }
    }

    private mutating func forward(_ unit: MediaUnit, now: Instant) {
        let kind: TrackKind
        if let trackID = video?.trackID, trackID == unit.trackID {
            kind = .video
        } else if let trackID = audio?.trackID, trackID == unit.trackID {
            kind = .audio
        } else {
            stats.unitsSkipped += 1
            return
        }
        guard var stream = stream(kind) else { return }
        if kind == .video, unit.isKeyframe, learnParameterSets(unit, stream: &stream) {
            modify(kind) { $0 = stream }
            updateDescription()
        }
        guard stream.media.admit(unit) else { stats.unitsSkipped += 1; return }
        if kind == .video, unit.isKeyframe { lastKeyframeSent = now }
        stream.media.forward(unit, now: now) { packet in
            let bytes = packet.plainBytes
            stats.packetsSent += 1
            stats.bytesSent += bytes.count
            outputs.append(.transmit(Datagram(bytes: bytes, kind: kind, isRTCP: false)))
        }
        stats.unitsForwarded += 1
        modify(kind) { $0 = stream }
    }

    /// Keeps the keyframe's H.264 SPS and PPS; true when they changed. A unit built as lacking its
    /// parameter sets (`MediaUnit.lacksParameterSets`) has none to find and is not scanned.
    private func learnParameterSets(_ unit: MediaUnit, stream: inout Stream) -> Bool {
        guard !unit.lacksParameterSets,
              let sets = stream.codec?.parameterSets(inPayloads: unit.packets.lazy.map(\.payload)),
              sets != stream.parameterSets else { return false }
        stream.parameterSets = sets
        return true
    }

    private mutating func noteSendFailure(_ kind: TrackKind) {
        stats.packetsDropped += 1
        guard kind == .video, var stream = video, stream.media.awaitKeyframe() else { return }
        video = stream
        outputs.append(.event(.keyframeRequested))
    }

    // MARK: Helpers

    func stream(_ kind: TrackKind) -> Stream? {
        kind == .video ? video : audio
    }

    mutating func modify(_ kind: TrackKind, _ body: (inout Stream?) -> Void) {
        if kind == .video { body(&video) } else { body(&audio) }
    }
}
