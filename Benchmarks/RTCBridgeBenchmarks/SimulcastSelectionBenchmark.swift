import RTCBase
import RTP
import Routing

/// What a viewer of a simulcast track costs per packet sent to it: booking the packet in its
/// `ViewerBandwidthEstimator`, asking its `SimulcastLayerSelector` whether the packet's layer goes
/// out, and — every 50 ms of virtual time — its transport-wide feedback read by the estimator and
/// the selector updated (amortized over the packets). 1000 packets/s over three layers, 1 % loss.
/// The viewer's feedback is built before the clock starts (the viewer's work, not ours).
struct SimulcastSelectionBenchmark {
    let packets: Int

    func run() -> Double {
        let start = Instant(nanoseconds: 1_000_000_000)
        var estimator = ViewerBandwidthEstimator()
        var selector = SimulcastLayerSelector(layerBitrates: [150_000, 500_000, 2_000_000])
        var generator = TransportWideFeedbackGenerator()
        var feedbackAfter = [[RTCPTransportWideFeedback]?](repeating: nil, count: packets)
        for index in 0..<packets {
            let now = start + .milliseconds(index)
            if index % 100 != 37 { generator.record(sequenceNumber: UInt16(truncatingIfNeeded: index), arrival: now) }
            if generator.isDue(now: now) {
                feedbackAfter[index] = generator.makeFeedback(senderSSRC: 1, mediaSSRC: 2, now: now)
            }
        }
        var forwarded = 0
        let clock = ContinuousClock()
        let begin = clock.now
        for index in 0..<packets {
            let now = start + .milliseconds(index)
            let layer = index % 3
            if selector.forwards(layer: layer, isKeyframe: index % 90 < 3, now: now) { forwarded += 1 }
            estimator.sent(sequenceNumber: UInt16(truncatingIfNeeded: index), byteCount: 1200, at: now)
            if let feedback = feedbackAfter[index] {
                for packet in feedback { estimator.receive(packet, at: now + .milliseconds(20)) }
                selector.update(estimate: estimator.estimate, now: now)
                _ = selector.pollKeyframeRequest(now: now)
            }
        }
        let elapsed = clock.now - begin
        precondition(forwarded > 0 && estimator.counters.feedbackPackets > 0)
        return Double(elapsed.nanosecondsClamped) / Double(packets)
    }
}
