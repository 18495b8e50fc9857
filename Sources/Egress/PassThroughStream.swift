import Codecs
import RTCBase
import RTP
import Routing
import WebRTC

/// One outbound track of a pass-through egress (house plan §3), shared by `ViewerForwarder`,
/// `RTPForwarderSession` and `RTSPServerPlayback`, sans-IO and transport-neutral: it rewrites SSRC,
/// payload type, sequence numbers and timestamps (`RTPStreamRewriter`, continuous across source
/// restarts), gates video on a keyframe (at start, after a new source's `.tracks`, and after a
/// send failure), sends H.264 SPS/PPS from `sprop-parameter-sets` ahead of a keyframe that carries
/// none in-band, and, where the transport has no RTCP of its own, keeps the sender-report
/// bookkeeping (RFC 3550 §6.4.1). The machine frames what `forward` emits for its transport.
public struct PassThroughStream: Sendable {
    /// The source track's kind (video is gated on keyframes).
    public private(set) var kind: TrackKind
    public let payloadType: UInt8
    /// RTP clock rate of the source track in Hz.
    public private(set) var clockRate: Int
    public private(set) var rewriter: RTPStreamRewriter
    /// Video waits for a keyframe before anything more goes out.
    public private(set) var waitingForKeyframe: Bool
    /// H.264 SPS/PPS from the source's `sprop-parameter-sets`, as STAP-A payloads: sent ahead of a
    /// keyframe that carries no SPS in-band (browsers ignore sprop in SDP). Empty: never.
    public var parameterSetPayloads: [[UInt8]] = []
    /// Packet and octet counts for sender reports; nil when the transport reports itself (WebRTC).
    public private(set) var report: SenderReportGenerator?
    /// When the next sender report is due (set once media went out).
    public private(set) var nextReport: Instant?

    /// `sendsReports`: keep a `SenderReportGenerator` (plain RTP and RTSP; WebRTC sessions report themselves).
    public init(kind: TrackKind, ssrc: UInt32, payloadType: UInt8, clockRate: Int, sendsReports: Bool,
                initialSequenceNumber: UInt16, initialTimestamp: UInt32) {
        self.kind = kind
        self.payloadType = payloadType
        self.clockRate = clockRate
        self.rewriter = RTPStreamRewriter(ssrc: ssrc, initialSequenceNumber: initialSequenceNumber,
                                          initialTimestamp: initialTimestamp)
        self.waitingForKeyframe = kind == .video
        self.report = sendsReports ? SenderReportGenerator(ssrc: ssrc, clockRate: clockRate) : nil
    }

    public var ssrc: UInt32 { rewriter.ssrc }

    // MARK: Keyframe gate

    /// A (re)announced source track (`.tracks`, possibly of a new epoch): video waits for a
    /// keyframe again. A new clock rate restarts the sender-report timing.
    public mutating func restart(kind: TrackKind, clockRate: Int) {
        self.kind = kind
        waitingForKeyframe = kind == .video
        guard clockRate != self.clockRate else { return }
        self.clockRate = clockRate
        if let report { self.report = SenderReportGenerator(ssrc: report.ssrc, clockRate: clockRate) }
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
        if unit.isKeyframe, !parameterSetPayloads.isEmpty, let first = unit.packets.first,
           !Self.carriesSPS(unit) {
            for payload in parameterSetPayloads {
                let (seq, ts) = rewriter.rewrite(first, sourceEpoch: unit.sourceEpoch, arrival: unit.arrival,
                                                 clockRate: clockRate)
                report?.recordPacket(rtpTimestamp: ts, payloadBytes: payload.count, now: now)
                send(OutgoingRTP(payloadType: payloadType, marker: false, sequenceNumber: seq, timestamp: ts,
                                 ssrc: rewriter.ssrc, payload: payload[...]))
            }
        }
        var oversize = 0
        for packet in unit.packets {
            guard packet.payload.count <= maxPayloadSize else { oversize += 1; continue }
            let (seq, ts) = rewriter.rewrite(packet, sourceEpoch: unit.sourceEpoch, arrival: unit.arrival,
                                             clockRate: clockRate)
            report?.recordPacket(rtpTimestamp: ts, payloadBytes: packet.payload.count, now: now)
            send(OutgoingRTP(payloadType: payloadType, marker: packet.marker, sequenceNumber: seq,
                             timestamp: ts, ssrc: rewriter.ssrc, payload: packet.payload))
        }
        if report != nil, nextReport == nil { nextReport = now }   // first SR right away: receivers sync early
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

    /// Whether any packet of the unit carries an H.264 SPS (alone, or aggregated in a STAP-A).
    static func carriesSPS(_ unit: MediaUnit) -> Bool {
        unit.packets.contains { packet in
            H264.parameterSets(inPayload: packet.payload).contains { H264.nalType($0.first ?? 0) == H264.NALType.sps }
        }
    }

    /// STAP-A payloads carrying an H.264 track's `sprop-parameter-sets` (none for other codecs).
    public static func parameterSetPayloads(_ track: TrackInfo) -> [[UInt8]] {
        guard track.encodingName.uppercased() == "H264", let sprop = track.fmtp["sprop-parameter-sets"] else { return [] }
        let nalUnits = H264.parseSpropParameterSets(sprop)
        guard !nalUnits.isEmpty else { return [] }
        var packetizer = H264Packetizer()
        return packetizer.packetize(AccessUnit(payloads: nalUnits, rtpTimestamp: 0, isKeyframe: true), maxPayloadSize: 1188)
            .map(\.payload)
    }

    // MARK: Sender reports

    /// An SR and an SDES CNAME (RFC 3550 §6.4.1, §6.5.1) as of `now`; nil without reports.
    /// `wallClockAnchor.unixSeconds` was the wall-clock time at `wallClockAnchor.instant`.
    public func reportPackets(now: Instant, wallClockAnchor: (instant: Instant, unixSeconds: Double),
                              cname: String) -> [RTCPPacket]? {
        guard let report else { return nil }
        let seconds = wallClockAnchor.unixSeconds + (now - wallClockAnchor.instant).secondsDouble
        return [.senderReport(report.makeReport(now: now, wallClock: NTPTimestamp(unixSeconds: seconds))),
                .sourceDescription(RTCPSourceDescription(cname: cname, ssrc: report.ssrc))]
    }

    /// The report packets when one is due at `now`, scheduling the next one `interval` later
    /// (or `interval` from now, when the timer fell behind); nil when none is due.
    public mutating func takeDueReport(now: Instant, interval: Duration,
                                       wallClockAnchor: (instant: Instant, unixSeconds: Double),
                                       cname: String) -> [RTCPPacket]? {
        guard let due = nextReport, due <= now,
              let packets = reportPackets(now: now, wallClockAnchor: wallClockAnchor, cname: cname) else { return nil }
        let next = due + interval
        nextReport = next > now ? next : now + interval
        return packets
    }
}
