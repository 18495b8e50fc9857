import RTCBase
import RTP

/// Bandwidth feedback a receiving session (a WHIP publisher's peer) sends so that the sender's
/// encoder ramps up: transport-wide congestion control feedback
/// (draft-holmer-rmcat-transport-wide-cc-extensions-01) where the peer negotiated the
/// transport-wide sequence number extension and `transport-cc`, and REMB
/// (draft-alvestrand-rmcat-remb-03) where it negotiated `goog-remb`: an estimate from what
/// arrives (`REMBEstimator`) when REMB is all it has, else just the configured cap.
public struct BandwidthFeedbackConfiguration: Sendable, Equatable {
    public var transportWide = TransportWideFeedbackGenerator.Configuration()
    /// `remb.maxBitrate` is the highest bitrate a publisher is told it may send.
    public var remb = REMBEstimator.Configuration()
    public init() {}
}

/// What the peer negotiated and the per-session feedback state.
struct BandwidthFeedbackState {
    let extensionID: UInt8
    var transportWide: TransportWideFeedbackGenerator?
    var remb: REMBEstimator?
    /// With transport-wide feedback the sender estimates for itself: REMB only carries the cap.
    var rembIsCapOnly: Bool { transportWide != nil }

    var nextDeadline: Instant {
        min(transportWide?.nextDeadline ?? .distantFuture, remb?.nextDeadline ?? .distantFuture)
    }
}

extension WebRTCSession {
    /// Turns on bandwidth feedback for what the peer negotiated: `transportSequenceExtensionID`
    /// (the `a=extmap` id of the transport-wide sequence number) with `transportCC` enables
    /// transport-wide feedback; `remb` enables REMB. Call it before media flows.
    public func enableBandwidthFeedback(transportSequenceExtensionID: UInt8?, transportCC: Bool, remb: Bool) {
        let useTransportWide = transportCC && transportSequenceExtensionID != nil
        guard useTransportWide || remb else { bandwidthFeedback = nil; return }
        let bandwidth = configuration.bandwidth
        bandwidthFeedback = BandwidthFeedbackState(
            extensionID: transportSequenceExtensionID ?? 0,
            transportWide: useTransportWide ? TransportWideFeedbackGenerator(configuration: bandwidth.transportWide) : nil,
            remb: remb ? REMBEstimator(configuration: bandwidth.remb) : nil)
    }

    /// Counters of the transport-wide feedback generator (nil when it is off).
    public var transportWideFeedbackCounters: TransportWideFeedbackGenerator.Counters? {
        bandwidthFeedback?.transportWide?.counters
    }

    /// The bitrate the last REMB announced (nil when REMB is off).
    public var rembEstimate: UInt64? {
        guard let state = bandwidthFeedback, let remb = state.remb else { return nil }
        return state.rembIsCapOnly ? remb.fixedCap : remb.estimate
    }

    /// Per received packet: its transport-wide sequence number and size. Cheap: one header
    /// extension lookup and one append; feedback is built when due.
    func recordBandwidth(_ packet: RTPPacket, byteCount: Int, now: Instant) {
        guard bandwidthFeedback != nil else { return }
        if bandwidthFeedback?.transportWide != nil, let header = packet.headerExtension,
           let element = RTPHeaderExtensionElements.element(id: bandwidthFeedback?.extensionID ?? 0, in: header),
           element.count >= 2 {
            let sequence = UInt16(element[element.startIndex]) << 8 | UInt16(element[element.startIndex + 1])
            bandwidthFeedback?.transportWide?.record(sequenceNumber: sequence, arrival: now)
        }
        bandwidthFeedback?.remb?.record(byteCount: byteCount, arrival: now)
        if bandwidthFeedback?.transportWide?.isDue(now: now) == true { sendTransportWideFeedback(now: now) }
    }

    /// Transport-wide feedback for everything recorded since the last one, now (on demand).
    public func sendTransportWideFeedback(now: Instant) {
        guard var generator = bandwidthFeedback?.transportWide else { return }
        let feedback = generator.makeFeedback(senderSSRC: configuration.feedbackSSRC,
                                              mediaSSRC: inbound.first?.ssrc ?? 0, now: now)
        bandwidthFeedback?.transportWide = generator
        guard !feedback.isEmpty else { return }
        counters.transportWideFeedbackSent += feedback.count
        sendRTCP(feedback.map { .transportWideFeedback($0) })
    }

    /// Sends what is due (from `handleTimeout`).
    func sendDueBandwidthFeedback(now: Instant) {
        guard let state = bandwidthFeedback else { return }
        if state.transportWide?.isDue(now: now) == true { sendTransportWideFeedback(now: now) }
        if state.remb?.isDue(now: now) == true, var estimator = state.remb {
            let estimate = estimator.update(now: now)
            bandwidthFeedback?.remb = estimator
            let bitrate = state.rembIsCapOnly ? estimator.fixedCap : estimate
            let ssrcs = inbound.map(\.ssrc)
            guard !ssrcs.isEmpty else { return }
            counters.rembSent += 1
            sendRTCP([.remb(RTCPREMB(senderSSRC: configuration.feedbackSSRC, bitrate: bitrate, ssrcs: ssrcs))])
        }
    }

    /// The worst fraction lost of our latest receiver reports feeds the REMB estimate.
    func reportLossForBandwidth(_ packets: [RTCPPacket]) {
        guard bandwidthFeedback?.remb != nil else { return }
        var worst: UInt8 = 0
        for case .receiverReport(let report) in packets {
            for block in report.reports { worst = max(worst, block.fractionLost) }
        }
        bandwidthFeedback?.remb?.reportLoss(fraction: Double(worst) / 256)
    }

    var nextBandwidthDeadline: Instant { bandwidthFeedback?.nextDeadline ?? .distantFuture }
}
