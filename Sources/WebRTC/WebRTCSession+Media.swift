import RTCBase
import RTP
import SRTP

/// State kept for each SSRC the gateway sends on this session.
struct OutboundStream {
    var history: RTPSendHistory
    var report: SenderReportGenerator
}

extension WebRTCSession {
    /// Declares an SSRC we send (one per negotiated media section), so that NACKs can be
    /// answered from its history and sender reports describe it.
    public func addOutboundStream(ssrc: UInt32, clockRate: Int) {
        outbound[ssrc] = OutboundStream(
            history: RTPSendHistory(capacity: configuration.limits.sendHistoryPackets),
            report: SenderReportGenerator(ssrc: ssrc, clockRate: clockRate))
    }

    /// Builds, protects and returns one outgoing RTP datagram (the forwarding hot path).
    /// Returns nil until the session is connected.
    public func protectRTP(payloadType: UInt8, marker: Bool, sequenceNumber: UInt16, timestamp: UInt32,
                           ssrc: UInt32, payload: ArraySlice<UInt8>, now: Instant) -> (datagram: [UInt8], to: TransportAddress)? {
        guard let srtp, let to = remoteAddress, state == .connected else { return nil }
        var packet = [UInt8]()
        packet.reserveCapacity(12 + payload.count + 32)
        packet.append(0x80)
        packet.append((marker ? 0x80 : 0) | (payloadType & 0x7f))
        packet.appendUInt16(sequenceNumber)
        packet.appendUInt32(timestamp)
        packet.appendUInt32(ssrc)
        packet.append(contentsOf: payload)
        do {
            try srtp.protectRTP(&packet)
        } catch {
            counters.droppedDatagrams += 1
            return nil
        }
        counters.packetsSent += 1
        counters.bytesSent += packet.count
        if var stream = outbound[ssrc] {
            outbound[ssrc] = nil   // avoid a copy-on-write of the history while mutating
            stream.history.store(sequenceNumber: sequenceNumber, packet: packet)
            stream.report.recordPacket(rtpTimestamp: timestamp, payloadBytes: payload.count, now: now)
            outbound[ssrc] = stream
        }
        return (packet, to)
    }

    // MARK: Inbound SRTP / SRTCP

    func handleSRTP(_ datagram: [UInt8], srtp: SRTPSession, now: Instant) {
        var packet = datagram
        if RTPPacket.looksLikeRTCP(packet) {
            do { try srtp.unprotectRTCP(&packet) } catch { counters.srtpAuthFailures += 1; return }
            let compound: [RTCPPacket]
            do { compound = try RTCPCompound.parse(packet[...], limits: configuration.limits.rtcp) } catch {
                counters.rtcpMalformed += 1
                return
            }
            for rtcp in compound { handleRTCP(rtcp, now: now) }
        } else {
            do { try srtp.unprotectRTP(&packet) } catch { counters.srtpAuthFailures += 1; return }
            guard let rtp = try? RTPPacket(parsing: packet) else { counters.droppedDatagrams += 1; return }
            outputs.append(.event(.rtp(rtp)))
        }
    }

    func handleRTCP(_ rtcp: RTCPPacket, now: Instant) {
        switch rtcp {
        case .pictureLossIndication(let pli):
            counters.keyframeRequestsReceived += 1
            outputs.append(.event(.keyframeRequested(ssrc: pli.mediaSSRC)))
        case .fullIntraRequest(let fir):
            counters.keyframeRequestsReceived += 1
            for entry in fir.entries { outputs.append(.event(.keyframeRequested(ssrc: entry.ssrc))) }
        case .genericNACK(let nack):
            counters.nacksReceived += 1
            retransmit(nack.lostSequenceNumbers, ssrc: nack.mediaSSRC)
        default:
            break
        }
    }

    /// Answers a NACK from the send history: the stored datagram is the protected packet, so it
    /// is resent unchanged (the receiver never got it, so its replay window accepts it).
    func retransmit(_ sequenceNumbers: [UInt16], ssrc: UInt32) {
        guard let stream = outbound[ssrc], let to = remoteAddress else { return }
        for seq in sequenceNumbers.prefix(configuration.limits.maxNACKRetransmitsPerFeedback) {
            guard let packet = stream.history.packet(for: seq) else { continue }
            counters.retransmissions += 1
            outputs.append(.transmit(packet, to: to))
        }
    }

    // MARK: Sender reports

    func sendReports(now: Instant) {
        nextReportDeadline = now + configuration.senderReportInterval
        guard let srtp, let to = remoteAddress else { return }
        let anchor = configuration.wallClockAnchor
        let wallSeconds = anchor.unixSeconds + (now - anchor.instant).secondsDouble
        let ntp = NTPTimestamp(unixSeconds: wallSeconds)
        for ssrc in outbound.keys.sorted() {
            guard let stream = outbound[ssrc], stream.report.packetCount > 0 else { continue }
            let sr = stream.report.makeReport(now: now, wallClock: ntp)
            let sdes = RTCPSourceDescription(cname: configuration.cname, ssrc: ssrc)
            var packet = RTCPCompound.serialize([.senderReport(sr), .sourceDescription(sdes)])
            do { try srtp.protectRTCP(&packet) } catch { continue }
            outputs.append(.transmit(packet, to: to))
        }
    }
}
