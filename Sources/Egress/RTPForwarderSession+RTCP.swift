import RTCBase
import RTP
import Routing

/// RTCP of the egress: sender reports out (RFC 3550 §6.4.1, with SDES CNAME per §6.1), receiver
/// feedback in (reception reports §6.4.2, PLI RFC 4585 §6.3.1, FIR RFC 5104 §4.3.1).
extension RTPForwarderSession {
    /// An SR and an SDES CNAME for the stream, as of `now`.
    func reportPackets(_ stream: Stream, now: Instant) -> [RTCPPacket] {
        stream.media.reports.reportPackets(now: now, wallClockAnchor: configuration.wallClockAnchor, cname: configuration.cname)
    }

    /// Sends the SR of every stream whose report is due and schedules its next one.
    mutating func sendDueReports(now: Instant) {
        requestKeyframeIfStale(now: now)
        for kind in [TrackKind.video, .audio] {
            guard var stream = stream(kind),
                  let packets = stream.media.reports.takeDueReport(now: now, interval: configuration.senderReportInterval,
                                                                   wallClockAnchor: configuration.wallClockAnchor,
                                                                   cname: configuration.cname) else { continue }
            outputs.append(.transmit(Datagram(bytes: RTCPCompound.serialize(packets), kind: kind, isRTCP: true)))
            stats.senderReportsSent += 1
            modify(kind) { $0 = stream }
        }
    }

    /// Feedback from a receiver, on either local socket of the kind (RTCP port or RTP port, for
    /// receivers that answer to the address they got media from). Malformed datagrams are counted.
    mutating func receiveRTCP(_ bytes: [UInt8], kind: TrackKind) {
        guard RTPPacket.looksLikeRTCP(bytes), let packets = try? RTCPCompound.parse(bytes[...]) else {
            stats.malformedRTCP += 1
            return
        }
        var wantsKeyframe = false
        for packet in packets {
            switch packet {
            case .receiverReport(let report):
                stats.receiverReportsReceived += 1
                note(report.reports)
            case .senderReport(let report):
                note(report.reports)
            case .pictureLossIndication(let pli) where pli.mediaSSRC == configuration.videoSSRC:
                stats.keyframeRequestsReceived += 1
                wantsKeyframe = true
            case .fullIntraRequest(let fir) where fir.entries.contains(where: { $0.ssrc == configuration.videoSSRC }):
                stats.keyframeRequestsReceived += 1
                wantsKeyframe = true
            case .genericNACK:
                stats.nacksReceived += 1
            default:
                break
            }
        }
        if wantsKeyframe, video != nil { outputs.append(.event(.keyframeRequested)) }
    }

    private mutating func note(_ reports: [RTCPReceptionReport]) {
        for report in reports {
            if report.ssrc == configuration.videoSSRC, video != nil { video?.lastReceptionReport = report }
            if report.ssrc == configuration.audioSSRC, audio != nil { audio?.lastReceptionReport = report }
        }
    }

    /// See `Configuration.keyframeInterval`; runs on the report timer (every second).
    mutating func requestKeyframeIfStale(now: Instant) {
        guard let interval = configuration.keyframeInterval, video != nil else { return }
        let lastActivity = max(lastKeyframeSent ?? .zero, lastKeyframeRequest ?? .zero)
        guard now - lastActivity >= interval else { return }
        lastKeyframeRequest = now
        stats.periodicKeyframeRequests += 1
        outputs.append(.event(.keyframeRequested))
    }
}
