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
        public init(payloadType: UInt8, ssrc: UInt32) { self.payloadType = payloadType; self.ssrc = ssrc }
    }

    struct Route {
        var kind: TrackKind
        var clockRate: Int
        var payloadType: UInt8
        var rewriter: RTPStreamRewriter
        var waitingForKeyframe: Bool
        /// H.264 SPS/PPS from the source's `sprop-parameter-sets`, as STAP-A payloads: sent ahead
        /// of a keyframe that carries none in-band (browsers ignore sprop in SDP).
        var parameterSetPayloads: [[UInt8]] = []
    }

    public let outputs: [TrackKind: Output]
    var routes: [Int: Route] = [:]
    public private(set) var unitsForwarded = 0
    public private(set) var unitsSkipped = 0
    /// Keyframe requests answered from the GOP cache.
    public private(set) var replays = 0
    public var minimumReplayInterval: Duration = .milliseconds(500)
    var lastReplay: Instant?

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
            break
        }
    }

    /// Answers a keyframe request from the path's GOP cache: the cached keyframe and the frames
    /// after it go out again, restamped just after the last emitted timestamp (see
    /// `RTPStreamRewriter.rewriteReplayed`), so the viewer can decode again at once instead of
    /// waiting for the source's next keyframe. At most one replay per `minimumReplayInterval`.
    /// Returns whether anything was sent.
    @discardableResult
    public mutating func replay(_ cached: [MediaUnit], session: WebRTCSession, now: Instant,
                                send: (OutgoingRTP) -> Void) -> Bool {
        guard session.isConnected, cached.first?.isKeyframe == true else { return false }
        if let lastReplay, now - lastReplay < minimumReplayInterval { return false }
        lastReplay = now
        var sent = false
        for unit in cached {
            guard var route = routes[unit.trackID], !route.waitingForKeyframe else { continue }
            for (index, packet) in unit.packets.enumerated() {
                guard let (seq, ts) = route.rewriter.rewriteReplayed(startsUnit: index == 0) else { continue }
                send(OutgoingRTP(payloadType: route.payloadType, marker: packet.marker, sequenceNumber: seq,
                                 timestamp: ts, ssrc: route.rewriter.ssrc, payload: packet.payload))
                sent = true
            }
            routes[unit.trackID] = route
        }
        if sent { replays += 1 }
        return sent
    }

    /// STAP-A payloads carrying an H.264 track's `sprop-parameter-sets` (none for other codecs).
    static func parameterSetPayloads(_ track: TrackInfo) -> [[UInt8]] {
        guard track.encodingName.uppercased() == "H264", let sprop = track.fmtp["sprop-parameter-sets"] else { return [] }
        let nalUnits = H264.parseSpropParameterSets(sprop)
        guard !nalUnits.isEmpty else { return [] }
        var packetizer = H264Packetizer()
        return packetizer.packetize(AccessUnit(payloads: nalUnits, rtpTimestamp: 0, isKeyframe: true), maxPayloadSize: 1188)
            .map(\.payload)
    }

    private mutating func setTracks(_ tracks: [TrackInfo], session: WebRTCSession) {
        for track in tracks {
            guard let output = outputs[track.kind] else { continue }
            defer { routes[track.id]?.parameterSetPayloads = Self.parameterSetPayloads(track) }
            if var route = routes[track.id] {
                route.clockRate = track.clockRate
                route.waitingForKeyframe = track.kind == .video
                routes[track.id] = route
            } else {
                let rewriter = RTPStreamRewriter(ssrc: output.ssrc, initialSequenceNumber: SecureRandom.uint16(),
                                                 initialTimestamp: SecureRandom.uint32())
                routes[track.id] = Route(kind: track.kind, clockRate: track.clockRate, payloadType: output.payloadType,
                                         rewriter: rewriter, waitingForKeyframe: track.kind == .video)
            }
            session.addOutboundStream(ssrc: output.ssrc, clockRate: track.clockRate)
        }
    }

    private mutating func forward(_ unit: MediaUnit, session: WebRTCSession, now: Instant,
                                  send: (OutgoingRTP) -> Void) {
        guard var route = routes[unit.trackID] else { unitsSkipped += 1; return }
        if route.waitingForKeyframe {
            // Keep waiting until a keyframe actually leaves (the session may not be sending yet).
            guard unit.isKeyframe, session.isConnected else { unitsSkipped += 1; return }
            route.waitingForKeyframe = false
        }
        if unit.isKeyframe, !route.parameterSetPayloads.isEmpty, let first = unit.packets.first,
           !unit.packets.contains(where: { H264.parameterSets(inPayload: $0.payload).contains { H264.nalType($0.first ?? 0) == H264.NALType.sps } }) {
            for payload in route.parameterSetPayloads {
                let (seq, ts) = route.rewriter.rewrite(first, sourceEpoch: unit.sourceEpoch, arrival: unit.arrival,
                                                       clockRate: route.clockRate)
                send(OutgoingRTP(payloadType: route.payloadType, marker: false, sequenceNumber: seq, timestamp: ts,
                                 ssrc: route.rewriter.ssrc, payload: payload[...]))
            }
        }
        for packet in unit.packets {
            let (seq, ts) = route.rewriter.rewrite(packet, sourceEpoch: unit.sourceEpoch, arrival: unit.arrival,
                                                   clockRate: route.clockRate)
            send(OutgoingRTP(payloadType: route.payloadType, marker: packet.marker, sequenceNumber: seq,
                             timestamp: ts, ssrc: route.rewriter.ssrc, payload: packet.payload))
        }
        routes[unit.trackID] = route
        unitsForwarded += 1
    }
}
