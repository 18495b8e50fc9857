import RTCBase
import RTP
import SRTP

/// A sent RTP packet as the send history keeps it: the rewritten header fields and the payload,
/// which shares storage with the source's packet (no per-viewer copy). A NACKed packet is
/// protected again from this; same key, sequence number and plaintext give the same ciphertext,
/// and the outbound SRTP policy allows the repeat.
struct SentPacket: RTPHistoryEntry {
    var payloadType: UInt8
    var marker: Bool
    var timestamp: UInt32
    var payload: ArraySlice<UInt8>
    var historyByteCount: Int { 12 + payload.count }
}

/// One RTP packet on its way out of a session: the rewritten header fields and the payload,
/// which stays shared with the source's packet until it is written into the datagram.
public struct OutgoingRTP: Sendable {
    public var payloadType: UInt8
    public var marker: Bool
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    public var payload: ArraySlice<UInt8>

    public init(payloadType: UInt8, marker: Bool, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32,
                payload: ArraySlice<UInt8>) {
        self.payloadType = payloadType
        self.marker = marker
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.payload = payload
    }
}

/// State kept for each SSRC the gateway sends on this session.
struct OutboundStream {
    let ssrc: UInt32
    /// Packets to answer NACKs from; nil when the peer negotiated no NACK for this stream.
    var history: RTPSendHistory<SentPacket>?
    var report: SenderReportGenerator
    /// Where NACKed packets are resent when the peer negotiated RTX (RFC 4588); nil resends them
    /// on this SSRC.
    var retransmission: RTXSender?
}

extension WebRTCSession {
    /// Declares an SSRC we send (one per negotiated media section), so that sender reports
    /// describe it and, when the peer negotiated generic NACK for it (`keepsHistory`), NACKs are
    /// answered from its send history (allocated on the first packet sent). Declaring it again
    /// updates its clock rate and keeps its history.
    /// With `retransmission` (the RTX SSRC and payload type the answer signalled), NACKed packets
    /// are resent on that RTX stream, the original sequence number in the payload (RFC 4588 §4).
    public func addOutboundStream(ssrc: UInt32, clockRate: Int, keepsHistory: Bool = true,
                                  retransmission: (ssrc: UInt32, payloadType: UInt8)? = nil) {
        let report = SenderReportGenerator(ssrc: ssrc, clockRate: clockRate)
        let rtx = retransmission.map {
            RTXSender(ssrc: $0.ssrc, payloadType: $0.payloadType,
                      initialSequenceNumber: UInt16(truncatingIfNeeded: $0.ssrc ^ ssrc))
        }
        if let index = outbound.firstIndex(where: { $0.ssrc == ssrc }) {
            if outbound[index].report.clockRate != clockRate { outbound[index].report = report }
            if outbound[index].retransmission?.ssrc != rtx?.ssrc { outbound[index].retransmission = rtx }
            return
        }
        let history = keepsHistory
            ? RTPSendHistory<SentPacket>(capacity: configuration.limits.sendHistoryPackets,
                                         maxBytes: configuration.limits.sendHistoryBytes,
                                         retention: configuration.limits.sendHistoryRetention)
            : nil
        outbound.append(OutboundStream(ssrc: ssrc, history: history, report: report, retransmission: rtx))
    }

    /// Bytes `protectRTP(_:into:now:)` needs for a payload of `payloadCount` bytes: the fixed
    /// header, the payload and libsrtp's worst-case trailer (tag + MKI).
    public static func protectedCapacity(payloadCount: Int) -> Int {
        RTPPacket.fixedHeaderLength + payloadCount + SRTPSession.maxRTPTrailerLength
    }

    /// The forwarding hot path: writes the header and payload of `packet` into `buffer` (owned by
    /// the runtime, at least `protectedCapacity(payloadCount:)` bytes), protects it there in place,
    /// records it for NACKs and sender reports, and returns the datagram's length. Nothing is
    /// allocated. Returns nil until the session is connected, or when protection fails (counted).
    public func protectRTP(_ packet: OutgoingRTP, into buffer: UnsafeMutableRawBufferPointer, now: Instant) -> Int? {
        guard let srtp, state == .connected, hasRemoteAddress,
              let length = Self.protect(packet, srtp: srtp, into: buffer) else {
            if state == .connected { counters.droppedDatagrams += 1 }
            return nil
        }
        counters.packetsSent += 1
        counters.bytesSent += length
        if let index = outbound.firstIndex(where: { $0.ssrc == packet.ssrc }) {
            outbound[index].history?.store(sequenceNumber: packet.sequenceNumber, packet: SentPacket(
                payloadType: packet.payloadType, marker: packet.marker, timestamp: packet.timestamp, payload: packet.payload), now: now)
            outbound[index].report.recordPacket(rtpTimestamp: packet.timestamp, payloadBytes: packet.payload.count, now: now)
        }
        return length
    }

    /// `packet` protected (and recorded) into a new array, with its destination (tests, low-rate
    /// paths). Returns nil until the session is connected.
    public func protectRTP(_ packet: OutgoingRTP, now: Instant) -> (datagram: [UInt8], to: TransportAddress)? {
        guard let to = remoteAddress,
              let datagram = Self.datagram(payloadCount: packet.payload.count, { protectRTP(packet, into: $0, now: now) })
        else { return nil }
        return (datagram, to)
    }

    /// A new array written by `write` (which returns the final length, or nil for no datagram).
    private static func datagram(payloadCount: Int, _ write: (UnsafeMutableRawBufferPointer) -> Int?) -> [UInt8]? {
        var length: Int?
        let datagram = [UInt8](unsafeUninitializedCapacity: protectedCapacity(payloadCount: payloadCount)) { buffer, count in
            length = write(UnsafeMutableRawBufferPointer(buffer))
            count = length ?? 0
        }
        return length == nil ? nil : datagram
    }

    /// Header into `buffer`, then SRTP with the payload read from where it is (AES-GCM encrypts it
    /// into place in one pass; AES-CM copies, then protects in place); the protected length, or nil.
    private static func protect(_ packet: OutgoingRTP, srtp: SRTPSession, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        guard buffer.count >= protectedCapacity(payloadCount: packet.payload.count),
              RTPPacket.writeHeader(into: buffer, payloadType: packet.payloadType, marker: packet.marker,
                                    sequenceNumber: packet.sequenceNumber, timestamp: packet.timestamp,
                                    ssrc: packet.ssrc) == RTPPacket.fixedHeaderLength
        else { return nil }
        return packet.payload.withUnsafeBytes { payload in
            try? srtp.protectRTP(in: buffer, headerLength: RTPPacket.fixedHeaderLength, payload: payload)
        }
    }

    /// A protected copy of `packet` in a new array (retransmissions; not the hot path).
    private func protect(_ srtp: SRTPSession, _ packet: OutgoingRTP) -> [UInt8]? {
        guard let datagram = Self.datagram(payloadCount: packet.payload.count, { Self.protect(packet, srtp: srtp, into: $0) })
        else { counters.droppedDatagrams += 1; return nil }
        return datagram
    }

    // MARK: Inbound SRTP / SRTCP

    func handleSRTP(_ datagram: [UInt8], srtp: SRTPSession, now: Instant) {
        var packet = datagram
        if RTPPacket.looksLikeRTCP(packet) {
            do { try srtp.unprotectRTCP(&packet) } catch { countUnprotectFailure(error); return }
            let compound: [RTCPPacket]
            do { compound = try RTCPCompound.parse(packet[...], limits: configuration.limits.rtcp) } catch {
                counters.rtcpMalformed += 1
                return
            }
            for rtcp in compound { handleRTCP(rtcp, now: now) }
        } else {
            do { try srtp.unprotectRTP(&packet) } catch { countUnprotectFailure(error); return }
            guard let parsed = try? RTPPacket(parsing: packet) else {
                counters.droppedDatagrams += 1
                return
            }
            // RTX counts for bandwidth feedback even when it carries nothing to deliver (padding
            // probes): the sender's estimator sees every packet it sent.
            let isRetransmission = inboundRetransmissionPayloadTypes[parsed.payloadType] != nil
            if isRetransmission { recordBandwidth(parsed, byteCount: packet.count, now: now) }
            guard let rtp = unwrapRetransmission(parsed) else { return }   // counted there
            switch recordInbound(rtp, now: now, isRetransmission: isRetransmission) {
            case .deliver:
                if isRetransmission { counters.retransmissionsReceived += 1 }
            case .drop:
                counters.droppedDatagrams += 1
                return
            case .redundant:
                counters.retransmissionsRedundant += 1
                return
            }
            counters.packetsReceived += 1
            if !isRetransmission { recordBandwidth(rtp, byteCount: packet.count, now: now) }
            outputs.append(.event(.rtp(rtp)))
        }
    }

    /// A packet SRTP refused: a replayed or too-old index (checked before authentication, as
    /// RFC 3711 §3.3 orders it) is a replay; anything else (bad tag, too short to verify) an
    /// authentication failure.
    private func countUnprotectFailure(_ error: SRTPError) {
        if error.isReplay { counters.srtpReplays += 1 } else { counters.srtpAuthFailures += 1 }
    }

    func handleRTCP(_ rtcp: RTCPPacket, now: Instant) {
        switch rtcp {
        case .pictureLossIndication(let pli):
            counters.keyframeRequestsReceived += 1
            outputs.append(.event(.keyframeRequested(ssrc: pli.mediaSSRC)))
        case .fullIntraRequest(let fir):
            counters.keyframeRequestsReceived += 1
            for entry in fir.entries { outputs.append(.event(.keyframeRequested(ssrc: entry.ssrc))) }
        case .senderReport(let report):
            recordSenderReport(report, now: now)
            recordReceptionReports(report.reports, now: now)
        case .receiverReport(let report):
            recordReceptionReports(report.reports, now: now)
        case .genericNACK(let nack):
            counters.nacksReceived += 1
            retransmit(nack.lostSequenceNumbers, ssrc: nack.mediaSSRC, now: now)
        default:
            break
        }
    }

    /// Answers a NACK from the send history: each packet still there is protected again and
    /// resent (RFC 4585 §6.2.1) while the session's retransmission budget lasts; numbers no
    /// longer in the history are ignored.
    func retransmit(_ sequenceNumbers: [UInt16], ssrc: UInt32, now: Instant) {
        guard let srtp, let to = remoteAddress, let index = outbound.firstIndex(where: { $0.ssrc == ssrc }) else { return }
        var seen = Set<UInt16>()
        let unique = sequenceNumbers.filter { seen.insert($0).inserted }   // overlapping NACK items
        for seq in unique.prefix(configuration.limits.maxNACKRetransmitsPerFeedback) {
            guard let sent = outbound[index].history?.packet(for: seq) else { continue }
            guard retransmitBudget.take(1, at: now) else {
                counters.retransmissionsRefused += 1
                continue
            }
            var outgoing = OutgoingRTP(payloadType: sent.payloadType, marker: sent.marker, sequenceNumber: seq,
                                       timestamp: sent.timestamp, ssrc: ssrc, payload: sent.payload)
            if outbound[index].retransmission != nil {
                let original = RTPPacket(payloadType: sent.payloadType, sequenceNumber: seq, timestamp: sent.timestamp,
                                         ssrc: ssrc, marker: sent.marker, payload: Array(sent.payload))
                guard let wrapped = outbound[index].retransmission?.wrap(original) else { continue }
                outgoing = OutgoingRTP(payloadType: wrapped.payloadType, marker: wrapped.marker,
                                       sequenceNumber: wrapped.sequenceNumber, timestamp: wrapped.timestamp,
                                       ssrc: wrapped.ssrc, payload: wrapped.payload)
            }
            guard let packet = protect(srtp, outgoing) else { continue }
            counters.retransmissions += 1
            if outgoing.ssrc != ssrc { counters.retransmissionsOnRTX += 1 }
            outputs.append(.transmit(packet, to: to))
        }
    }

    // MARK: Sender reports

    func sendReports(now: Instant) {
        nextReportDeadline = now + configuration.senderReportInterval
        guard let srtp, let to = remoteAddress else { return }
        let ntp = wallClock(at: now)
        for stream in outbound where stream.report.packetCount > 0 {
            let sr = stream.report.makeReport(now: now, wallClock: ntp)
            let sdes = RTCPSourceDescription(cname: configuration.cname, ssrc: stream.ssrc)
            var packet = RTCPCompound.serialize([.senderReport(sr), .sourceDescription(sdes)])
            do { try srtp.protectRTCP(&packet) } catch { continue }
            outputs.append(.transmit(packet, to: to))
        }
        let rr = receiverReports(now: now)
        if !rr.isEmpty { sendRTCP(rr) }
        reportLossForBandwidth(rr)
    }
}
