import RTCBase
import RTP
import Routing

/// What a viewer of a simulcast track costs per packet sent to it: booking the packet in its
/// `ViewerBandwidthEstimator`, asking its `SimulcastLayerSelector` whether the packet's layer goes
/// out, and — every 50 ms of virtual time — its transport-wide feedback read by the estimator and
/// the selector updated (amortized over the packets). 1000 packets/s over three layers, 1 % loss.
struct SimulcastSelectionBenchmark {
    let packets: Int

    func run() -> Double {
        let start = Instant(nanoseconds: 1_000_000_000)
        var estimator = ViewerBandwidthEstimator()
        var selector = SimulcastLayerSelector(layerBitrates: [150_000, 500_000, 2_000_000])
        var generator = TransportWideFeedbackGenerator()
        var forwarded = 0
        let clock = ContinuousClock()
        let begin = clock.now
        for index in 0..<packets {
            let now = start + .milliseconds(index)
            let sequence = UInt16(truncatingIfNeeded: index)
            let layer = index % 3
            if selector.forwards(layer: layer, isKeyframe: index % 90 < 3, now: now) { forwarded += 1 }
            estimator.sent(sequenceNumber: sequence, byteCount: 1200, at: now)
            if index % 100 != 37 { generator.record(sequenceNumber: sequence, arrival: now + .milliseconds(20)) }
            if generator.isDue(now: now) {
                for feedback in generator.makeFeedback(senderSSRC: 1, mediaSSRC: 2, now: now) {
                    estimator.receive(feedback, at: now)
                }
                selector.update(estimate: estimator.estimate, now: now)
                _ = selector.pollKeyframeRequest(now: now)
            }
        }
        let elapsed = clock.now - begin
        precondition(forwarded > 0 && estimator.counters.feedbackPackets > 0)
        return Double(elapsed.nanosecondsClamped) / Double(packets)
    }
}
