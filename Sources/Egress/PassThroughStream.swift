import Codecs
import RTCBase
import RTP
import Routing
import WebRTC

/// One outbound track of a pass-through egress (house plan §3), shared by `ViewerForwarder`,
/// `RTPForwarderSession` and `RTSPServerPlayback`, sans-IO: it rewrites SSRC,
/// payload type, sequence numbers and timestamps (`RTPStreamRewriter`, continuous across source
/// restarts), gates video on a keyframe (at start, after a new source's `.tracks`, and after a
/// send failure), sends H.264 SPS/PPS from `sprop-parameter-sets` ahead of a keyframe that carries
/// none in-band (`MediaUnit.lacksParameterSets`, found once when the unit was built), and tells `Reports` what went out (`SenderReportSchedule` where the transport has
/// no RTCP of its own, `NoSenderReports` for WebRTC). It emits `OutgoingRTP` values (header fields
/// and payload); the machine protects them (WebRTC, in the runtime) or frames them as plain RTP
/// (`OutgoingRTP+Plain`).
public struct PassThroughStream<Reports: PassThroughReports>: Sendable {
    /// The source track's kind (video is gated on keyframes).
    public private(set) var kind: TrackKind
    public let payloadType: UInt8
    /// RTP clock rate of the source track in Hz.
    public private(set) var clockRate: Int
    public private(set) var rewriter: RTPStreamRewriter
    /// Video waits for a keyframe before anything more goes out.
    public private(set) var waitingForKeyframe: Bool
    /// The source's out-of-band parameter sets (H.264 `sprop-parameter-sets` as STAP-A), sent
    /// ahead of a keyframe that carries none in-band (browsers ignore sprop in SDP). Empty: never.
    public private(set) var parameterSetPayloads: [[UInt8]] = []
    /// Sender-report bookkeeping (counts, schedule), told of every packet and unit sent.
    public var reports: Reports

    public init(kind: TrackKind, ssrc: UInt32, payloadType: UInt8, clockRate: Int, reports: Reports,
                initialSequenceNumber: UInt16, initialTimestamp: UInt32) {
        self.kind = kind
        self.payloadType = payloadType
        self.clockRate = clockRate
        self.rewriter = RTPStreamRewriter(ssrc: ssrc, initialSequenceNumber: initialSequenceNumber,
                                          initialTimestamp: initialTimestamp)
        self.waitingForKeyframe = kind == .video
        self.reports = reports
    }

    public var ssrc: UInt32 { rewriter.ssrc }

    // MARK: Keyframe gate

    /// A (re)announced source track (`.tracks`, possibly of a new epoch): video waits for a
    /// keyframe again. A new clock rate starts the sender-report counts over.
    /// Sends `track`'s out-of-band parameter sets ahead of keyframes that lack them (none for
    /// codecs without parameter sets, or when the source's SDP gave none).
    public mutating func sendParameterSets(of track: TrackInfo) {
        parameterSetPayloads = track.codec?.parameterSetPayloads(fmtp: track.fmtp) ?? []
    }

    public mutating func restart(kind: TrackKind, clockRate: Int) {
        self.kind = kind
        waitingForKeyframe = kind == .video
        guard clockRate != self.clockRate else { return }
        self.clockRate = clockRate
        reports.restart(clockRate: clockRate)
    }

    /// Sending failed or was dropped: video waits for the next keyframe. True when it was not
    /// already waiting (the machine then asks the path for one).
    public mutating func awaitKeyframe() -> Bool {
        guard kind == .video, !waitingForKeyframe else { return false }
        waitingForKeyframe = true
        return true
    }

    /// Whether `unit` may go out; a keyframe that may go out opens the gate. `ready`: the
    /// transport can send now (otherwise a waiting stream keeps waiting for a later keyframe);
    /// asked only while the gate is closed, as `&&` would.
    public mutating func admit(_ unit: MediaUnit, ready: @autoclosure () -> Bool = true) -> Bool {
        if waitingForKeyframe {
            guard unit.isKeyframe, ready() else { return false }
            waitingForKeyframe = false
        }
        return true
    }

    // MARK: Media

    /// Emits `unit` rewritten, in order, after `admit` let it through: the parameter sets first
    /// where due, then its packets. Packets whose payload exceeds `maxPayloadSize` are left out
    /// (without using a sequence number); returns how many.
    @discardableResult
    public mutating func forward(_ unit: MediaUnit, now: Instant, maxPayloadSize: Int = .max,
                                 send: (OutgoingRTP) -> Void) -> Int {
        if unit.lacksParameterSets, !parameterSetPayloads.isEmpty, let first = unit.packets.first {
            for payload in parameterSetPayloads {
                let (seq, ts) = rewriter.rewrite(first, sourceEpoch: unit.sourceEpoch, arrival: unit.arrival,
                                                 clockRate: clockRate)
                reports.recordPacket(rtpTimestamp: ts, payloadBytes: payload.count, now: now)
                send(OutgoingRTP(payloadType: payloadType, marker: false, sequenceNumber: seq, timestamp: ts,
                                 ssrc: rewriter.ssrc, payload: payload[...]))
            }
        }
        var oversize = 0
        for packet in unit.packets {
            let payload = packet.payload
            guard payload.count <= maxPayloadSize else { oversize += 1; continue }
            let (seq, ts) = rewriter.rewrite(packet, sourceEpoch: unit.sourceEpoch, arrival: unit.arrival,
                                             clockRate: clockRate)
            reports.recordPacket(rtpTimestamp: ts, payloadBytes: payload.count, now: now)
            send(OutgoingRTP(payloadType: payloadType, marker: packet.marker, sequenceNumber: seq,
                             timestamp: ts, ssrc: rewriter.ssrc, payload: payload))
        }
        reports.unitForwarded(now: now)
        return oversize
    }

    /// Sends a cached unit again (a keyframe request answered from the GOP cache), restamped just
    /// after the last emitted timestamp (`RTPStreamRewriter.rewriteReplayed`). Nothing while the
    /// gate is closed or before anything went out; returns whether anything was sent.
    public mutating func replay(_ unit: MediaUnit, send: (OutgoingRTP) -> Void) -> Bool {
        guard !waitingForKeyframe else { return false }
        var sent = false
        for (index, packet) in unit.packets.enumerated() {
            guard let (seq, ts) = rewriter.rewriteReplayed(startsUnit: index == 0) else { continue }
            send(OutgoingRTP(payloadType: payloadType, marker: packet.marker, sequenceNumber: seq,
                             timestamp: ts, ssrc: rewriter.ssrc, payload: packet.payload))
            sent = true
        }
        return sent
    }
}
