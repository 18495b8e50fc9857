import RTCBase
import RTP
import SRTP

/// What the gateway keeps for each SSRC a peer sends it (a WHIP publisher's media): reception
/// statistics for receiver reports (RFC 3550 §6.4.2) and loss tracking for generic NACKs
/// (RFC 4585 §6.2.1).
struct InboundStream {
    let ssrc: UInt32
    var statistics: ReceiverStatistics
    var nacks: NACKGenerator
}

extension WebRTCSession {
    /// Declares a payload type the peer may send and its clock rate; RTP with other payload
    /// types is dropped and counted. Receiving sessions (WHIP) call this once per negotiated codec.
    public func expectInbound(payloadType: UInt8, clockRate: Int) {
        inboundClockRates[payloadType] = clockRate
    }

    /// Declares an RTX payload type (RFC 4588) the peer may send for `mediaPayloadType`, and the
    /// offer's `a=ssrc-group:FID` pairs (RTX SSRC → media SSRC). RTX packets are unwrapped back to
    /// the media SSRC, payload type and original sequence number before loss tracking and the
    /// `.rtp` event, so a late retransmission fills its gap. At most `maxInboundStreams` pairs.
    public func expectInboundRetransmission(payloadType: UInt8, mediaPayloadType: UInt8,
                                            ssrcPairs: [UInt32: UInt32] = [:]) {
        inboundRetransmissionPayloadTypes[payloadType & 0x7f] = mediaPayloadType & 0x7f
        for (rtx, media) in ssrcPairs where inboundRetransmissionSSRCs.count < configuration.limits.maxInboundStreams {
            inboundRetransmissionSSRCs[rtx] = media
        }
    }

    /// `packet` itself, or the original an RTX packet carries; nil (counted as unmatched) for an
    /// RTX packet on an SSRC no FID group names, without an OSN, or a padding-only probe.
    func unwrapRetransmission(_ packet: RTPPacket) -> RTPPacket? {
        guard let mediaPayloadType = inboundRetransmissionPayloadTypes[packet.payloadType] else { return packet }
        guard let mediaSSRC = inboundRetransmissionSSRCs[packet.ssrc],
              let original = try? packet.originalFromRetransmission(ssrc: mediaSSRC, payloadType: mediaPayloadType),
              !original.payload.isEmpty else {
            counters.retransmissionsUnmatched += 1
            return nil
        }
        return original
    }

    /// Sends RTCP feedback to the peer (e.g. PLI to a publisher), protected; dropped before the
    /// session is connected.
    public func sendRTCP(_ packets: [RTCPPacket]) {
        guard let srtp, let to = remoteAddress, state == .connected, !packets.isEmpty else { return }
        var bytes = RTCPCompound.serialize(packets)
        do { try srtp.protectRTCP(&bytes) } catch { return }
        outputs.append(.transmit(bytes, to: to))
    }

    /// The RTCP BYE compound a local close sends (RFC 3550 §6.6): an empty receiver report from
    /// the first SSRC (a compound starts with SR/RR, §6.1), then one BYE naming every SSRC we
    /// send, with `reason` (at most 255 bytes are written). A session that sends no media names
    /// the SSRC of its feedback. Empty before the session is connected.
    public func goodbye(reason: String) -> [RTCPPacket] {
        guard state == .connected else { return [] }
        var ssrcs = outbound.map(\.ssrc)
        if ssrcs.isEmpty { ssrcs = [configuration.feedbackSSRC] }
        return [.receiverReport(RTCPReceiverReport(ssrc: ssrcs[0], reports: [])),
                .bye(RTCPBye(ssrcs: ssrcs, reason: reason))]
    }

    /// Sends `goodbye(reason:)`, protected (before the close tears down the keys).
    func sendGoodbye(reason: String) {
        let packets = goodbye(reason: reason)
        guard !packets.isEmpty else { return }
        counters.goodbyesSent += 1
        sendRTCP(packets)
    }

    /// Asks the peer for a keyframe on `mediaSSRC` (RFC 4585 §6.3.1 PLI).
    public func requestKeyframe(mediaSSRC: UInt32) {
        sendRTCP([.pictureLossIndication(RTCPPictureLossIndication(senderSSRC: configuration.feedbackSSRC, mediaSSRC: mediaSSRC))])
    }

    /// What `recordInbound` made of a packet.
    enum InboundVerdict {
        case deliver
        /// Unknown payload type, too many streams.
        case drop
        /// An unwrapped retransmission of a packet already received or no longer awaited (an RTX
        /// probe that resends old payload): not delivered again.
        case redundant
    }

    /// Books a decrypted RTP packet into its stream's statistics and loss tracking. An unwrapped
    /// retransmission (`isRetransmission`) is delivered only when it fills a tracked gap.
    func recordInbound(_ packet: RTPPacket, now: Instant, isRetransmission: Bool = false) -> InboundVerdict {
        guard let clockRate = inboundClockRates[packet.payloadType] else { return .drop }
        let index: Int
        if let existing = inbound.firstIndex(where: { $0.ssrc == packet.ssrc }) {
            index = existing
        } else {
            guard inbound.count < configuration.limits.maxInboundStreams else { return .drop }
            inbound.append(InboundStream(ssrc: packet.ssrc, statistics: ReceiverStatistics(ssrc: packet.ssrc, clockRate: clockRate),
                                         nacks: NACKGenerator(configuration: configuration.nack)))
            index = inbound.count - 1
        }
        let needed = inbound[index].nacks.handle(sequenceNumber: packet.sequenceNumber, at: now)
        if isRetransmission, !needed { return .redundant }
        _ = inbound[index].statistics.handle(sequenceNumber: packet.sequenceNumber, rtpTimestamp: packet.timestamp, arrival: now)
        sendDueNACKs(now: now)
        return .deliver
    }

    /// Sends NACKs that are due, and a PLI where loss went beyond repair.
    func sendDueNACKs(now: Instant) {
        for index in inbound.indices {
            while true {
                switch inbound[index].nacks.poll(now: now) {
                case .nack(let lost):
                    counters.nacksSent += 1
                    sendRTCP([.genericNACK(RTCPGenericNACK(senderSSRC: configuration.feedbackSSRC,
                                                           mediaSSRC: inbound[index].ssrc, lostSequenceNumbers: lost))])
                    continue
                case .keyframeNeeded:
                    requestKeyframe(mediaSSRC: inbound[index].ssrc)
                    continue
                case .timeout:
                    break
                }
                break
            }
        }
    }

    /// The earliest NACK retry deadline over all inbound streams.
    var nextNACKDeadline: Instant {
        inbound.reduce(Instant.distantFuture) { min($0, $1.nacks.nextDeadline ?? .distantFuture) }
    }

    /// Receiver reports for every inbound stream, with our CNAME (RFC 3550 §6.1 compound).
    func receiverReports(now: Instant) -> [RTCPPacket] {
        guard !inbound.isEmpty else { return [] }
        var blocks: [RTCPReceptionReport] = []
        for index in inbound.indices { blocks.append(inbound[index].statistics.makeReceptionReport(now: now)) }
        return [.receiverReport(RTCPReceiverReport(ssrc: configuration.feedbackSSRC, reports: blocks)),
                .sourceDescription(RTCPSourceDescription(cname: configuration.cname, ssrc: configuration.feedbackSSRC))]
    }

    /// Sender reports carry the peer's last SR time for its RTT (LSR/DLSR in our RR).
    func recordSenderReport(_ report: RTCPSenderReport, now: Instant) {
        guard let index = inbound.firstIndex(where: { $0.ssrc == report.ssrc }) else { return }
        inbound[index].statistics.handleSenderReport(ntpTimestamp: report.ntpTimestamp, arrival: now)
    }
}
