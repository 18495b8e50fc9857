import Codecs
import RTCBase
import RTP
import Routing
import WebRTC

/// The per-viewer pass-through (sans-IO): turns a path reader's events into outgoing RTP packets
/// for one `WebRTCSession` (the caller protects them into its own buffers). Each source track maps to the payload type and SSRC that
/// the viewer negotiated for its kind; SSRC, sequence numbers and timestamps are rewritten so the
/// viewer sees one continuous stream per track, and video starts (and restarts) on a keyframe.
public struct ViewerForwarder {
    public struct Output: Sendable {
        public var payloadType: UInt8
        public var ssrc: UInt32
        /// The viewer negotiated generic NACK for this track (RFC 4585 `a=rtcp-fb:… nack`): the
        /// session keeps a send history to answer it. Without it (audio, as browsers offer it)
        /// no history is kept.
        public var nack: Bool
        /// The RTX stream the viewer negotiated (RFC 4588): NACKed packets are resent on it.
        public var retransmissionSSRC: UInt32?
        public var retransmissionPayloadType: UInt8?
        /// The RED payload type the viewer negotiated for Opus (RFC 2198): each packet also carries
        /// the previous one.
        public var redundancyPayloadType: UInt8?
        public init(payloadType: UInt8, ssrc: UInt32, nack: Bool = true, retransmissionSSRC: UInt32? = nil,
                    retransmissionPayloadType: UInt8? = nil, redundancyPayloadType: UInt8? = nil) {
            self.payloadType = payloadType
            self.ssrc = ssrc
            self.nack = nack
            self.retransmissionSSRC = retransmissionSSRC
            self.retransmissionPayloadType = retransmissionPayloadType
            self.redundancyPayloadType = redundancyPayloadType
        }

        var retransmission: (ssrc: UInt32, payloadType: UInt8)? {
            guard nack, let retransmissionSSRC, let retransmissionPayloadType else { return nil }
            return (retransmissionSSRC, retransmissionPayloadType)
        }
    }

    public let outputs: [TrackKind: Output]
    /// Source track ID → the viewer's stream of it.
    var routes: [Int: PassThroughStream<NoSenderReports>] = [:]
    public private(set) var unitsForwarded = 0
    public private(set) var unitsSkipped = 0
    /// Keyframe requests answered from the GOP cache.
    public private(set) var replays = 0
    /// Keyframe requests not answered from the cache because the replay budget was spent.
    public private(set) var replaysRefused = 0
    /// Freezes of the video sent to this viewer and its time waiting for keyframes (read at scrape time).
    public private(set) var freezes = FreezeCounter()
    public var minimumReplayInterval: Duration = .milliseconds(500)
    /// Bytes of cached GOP one viewer may have replayed: a burst of 4 MiB, then 1 MiB/s (8 Mbit/s).
    /// A replay is all or nothing (a partial GOP would not decode); past the budget the viewer
    /// waits for the source's next keyframe, which its request has asked for anyway.
    public var replayBudget = TokenBucket(capacity: 4 << 20, ratePerSecond: 1 << 20)
    var lastReplay: Instant?
    /// RED per SSRC sent with it (audio outputs that negotiated RED).
    var redundancy: [UInt32: REDEncoder] = [:]
    /// Audio packets sent in RED with a redundant block, and without one (first after a gap).
    public var redundantPackets: (withRedundancy: Int, withoutRedundancy: Int) {
        redundancy.values.reduce((0, 0)) { ($0.0 + $1.withRedundancy, $0.1 + $1.withoutRedundancy) }
    }

    public init(outputs: [TrackKind: Output]) { self.outputs = outputs }

    /// Handles one reader event; `send` receives each packet to protect and send, in order.
    public mutating func handle(_ event: ReaderEvent, session: WebRTCSession, now: Instant,
                                send: (OutgoingRTP) -> Void) {
        switch event {
        case .tracks(let tracks, _):
            setTracks(tracks, session: session)
        case .unit(let unit):
            forward(unit, session: session, now: now, send: send)
        case .sourceEnded, .pathClosed:
            freezes.sourceEnded(at: now)
        }
    }

    /// Answers a keyframe request from the path's GOP cache: the cached keyframe and the frames
    /// after it go out again, restamped just after the last emitted timestamp (see
    /// `RTPStreamRewriter.rewriteReplayed`), so the viewer can decode again at once instead of
    /// waiting for the source's next keyframe. At most one replay per `minimumReplayInterval`,
    /// and only while `replayBudget` covers the GOP's bytes. Returns whether anything was sent.
    @discardableResult
    public mutating func replay(_ cached: [MediaUnit], session: WebRTCSession, now: Instant,
                                send: (OutgoingRTP) -> Void) -> Bool {
        guard session.isConnected, cached.first?.isKeyframe == true else { return false }
        if let lastReplay, now - lastReplay < minimumReplayInterval { return false }
        var bytes = 0
        for unit in cached where routes[unit.trackID] != nil { bytes &+= unit.byteCount }
        guard replayBudget.take(bytes, at: now) else {
            replaysRefused += 1
            return false
        }
        lastReplay = now
        var sent = false
        for unit in cached {
            guard var route = routes[unit.trackID] else { continue }
            if route.replay(unit, send: send) { sent = true }
            routes[unit.trackID] = route
        }
        if sent { replays += 1 }
        return sent
    }

    private mutating func setTracks(_ tracks: [TrackInfo], session: WebRTCSession) {
        for track in Self.routedTracks(tracks) {
            guard let output = outputs[track.kind] else { continue }
            var route = routes[track.id] ?? PassThroughStream(
                kind: track.kind, ssrc: output.ssrc, payloadType: output.payloadType, clockRate: track.clockRate,
                reports: NoSenderReports(), initialSequenceNumber: SecureRandom.uint16(),
                initialTimestamp: SecureRandom.uint32())
            route.restart(kind: track.kind, clockRate: track.clockRate)
            route.sendParameterSets(of: track)
            routes[track.id] = route
            session.addOutboundStream(ssrc: output.ssrc, clockRate: track.clockRate, keepsHistory: output.nack,
                                      retransmission: output.retransmission)
            if track.kind == .audio, let red = output.redundancyPayloadType, redundancy[output.ssrc] == nil {
                redundancy[output.ssrc] = REDEncoder(redPayloadType: red)
            }
        }
    }

    private mutating func forward(_ unit: MediaUnit, session: WebRTCSession, now: Instant,
                                  send: (OutgoingRTP) -> Void) {
        // Keep waiting until a keyframe actually leaves (the session may not be sending yet).
        guard var route = routes[unit.trackID], route.admit(unit, ready: session.isConnected) else {
            if routes[unit.trackID]?.kind == .video { freezes.keyframeAwaited(at: now) }
            unitsSkipped += 1
            return
        }
        let ssrc = route.ssrc
        if var encoder = redundancy[ssrc] {
            route.forward(unit, now: now) { packet in send(Self.redundant(packet, encoder: &encoder)) }
            redundancy[ssrc] = encoder
        } else {
            route.forward(unit, now: now, send: send)
        }
        routes[unit.trackID] = route
        unitsForwarded += 1
        if route.kind == .video { freezes.frameSent(at: now) }
    }

    /// `packet` wrapped in RED (RFC 2198) with the previous packet as its redundant block.
    static func redundant(_ packet: OutgoingRTP, encoder: inout REDEncoder) -> OutgoingRTP {
        let wrapped = encoder.wrap(RTPPacket(payloadType: packet.payloadType, sequenceNumber: packet.sequenceNumber,
                                             timestamp: packet.timestamp, ssrc: packet.ssrc, marker: packet.marker,
                                             payload: packet.payload))
        return OutgoingRTP(payloadType: wrapped.payloadType, marker: wrapped.marker, sequenceNumber: wrapped.sequenceNumber,
                           timestamp: wrapped.timestamp, ssrc: wrapped.ssrc, payload: wrapped.payload)
    }
}
