import RTCBase
import RTP
import Testing
@testable import Routing

/// Layer switching per viewer on virtual time: down at once, up after a hold, only at a keyframe
/// of the target layer, keyframe requests on the target layer, and one continuous outgoing stream.
@Suite struct SimulcastLayerSelectorTests {
    static let layers: [UInt64?] = [150_000, 500_000, 2_000_000]
    static let start = Instant(nanoseconds: 1_000_000_000)

    static func at(_ milliseconds: Int) -> Instant { start + .milliseconds(milliseconds) }

    @Test func startsOnTheHighestLayerThatFitsAtItsKeyframe() {
        var selector = SimulcastLayerSelector(layerBitrates: Self.layers)
        selector.update(estimate: 3_000_000, now: Self.at(0))
        #expect(selector.target == 2 && selector.current == nil)
        let request = selector.pollKeyframeRequest(now: Self.at(0))
        #expect(request == 2)
        let deltaFrame = selector.forwards(layer: 2, isKeyframe: false, now: Self.at(10))
        let otherLayer = selector.forwards(layer: 0, isKeyframe: true, now: Self.at(10))
        #expect(!deltaFrame && !otherLayer)
        let keyframe = selector.forwards(layer: 2, isKeyframe: true, now: Self.at(20))
        let next = selector.forwards(layer: 2, isKeyframe: false, now: Self.at(50))
        #expect(keyframe && next && selector.current == 2)
        #expect(selector.pollKeyframeRequest(now: Self.at(600)) == nil)
    }

    @Test func downAtOnceAtTheLowerKeyframeThenUpAfterTheHold() {
        var selector = SimulcastLayerSelector(layerBitrates: Self.layers)
        selector.update(estimate: 3_000_000, now: Self.at(0))
        _ = selector.forwards(layer: 2, isKeyframe: true, now: Self.at(0))

        selector.update(estimate: 600_000, now: Self.at(6000))
        #expect(selector.target == 1 && selector.current == 2)
        let request = selector.pollKeyframeRequest(now: Self.at(6000))
        #expect(request == 1)
        // Until layer 1's keyframe the viewer keeps layer 2 (no gap).
        let stillTop = selector.forwards(layer: 2, isKeyframe: false, now: Self.at(6010))
        let lowDelta = selector.forwards(layer: 1, isKeyframe: false, now: Self.at(6010))
        #expect(stillTop && !lowDelta)
        let switched = selector.forwards(layer: 1, isKeyframe: true, now: Self.at(6040))
        let topAfter = selector.forwards(layer: 2, isKeyframe: false, now: Self.at(6050))
        #expect(switched && !topAfter && selector.current == 1)
        #expect(selector.counters.switchesDown == 1)

        // Capacity is back: the top layer only after it has fitted for the hold (1 s).
        selector.update(estimate: 3_000_000, now: Self.at(7000))
        #expect(selector.target == 1)
        selector.update(estimate: 3_000_000, now: Self.at(7500))
        #expect(selector.target == 1)
        selector.update(estimate: 3_000_000, now: Self.at(8000))
        #expect(selector.target == 2)
        _ = selector.forwards(layer: 2, isKeyframe: true, now: Self.at(8030))
        #expect(selector.current == 2 && selector.counters.switchesUp == 1)
    }

    @Test func aDipInsideTheHoldRestartsIt() {
        var selector = SimulcastLayerSelector(layerBitrates: Self.layers)
        selector.update(estimate: 600_000, now: Self.at(0))
        _ = selector.forwards(layer: 1, isKeyframe: true, now: Self.at(0))
        selector.update(estimate: 3_000_000, now: Self.at(100))
        selector.update(estimate: 1_000_000, now: Self.at(600))   // fits layer 1 only
        selector.update(estimate: 3_000_000, now: Self.at(900))
        selector.update(estimate: 3_000_000, now: Self.at(1500))
        #expect(selector.target == 1)
        selector.update(estimate: 3_000_000, now: Self.at(1900))
        #expect(selector.target == 2)
    }

    @Test func failedProbeDoublesTheHoldAndAKeptLayerResetsIt() {
        var selector = SimulcastLayerSelector(layerBitrates: Self.layers)
        selector.update(estimate: 600_000, now: Self.at(0))
        _ = selector.forwards(layer: 1, isKeyframe: true, now: Self.at(0))
        selector.update(estimate: 3_000_000, now: Self.at(1000))
        selector.update(estimate: 3_000_000, now: Self.at(2000))
        _ = selector.forwards(layer: 2, isKeyframe: true, now: Self.at(2100))
        selector.update(estimate: 600_000, now: Self.at(3000))   // the probe failed
        #expect(selector.currentUpHold == .seconds(2) && selector.counters.failedProbes == 1)
        _ = selector.forwards(layer: 1, isKeyframe: true, now: Self.at(3050))
        selector.update(estimate: 3_000_000, now: Self.at(4000))
        selector.update(estimate: 3_000_000, now: Self.at(5000))
        #expect(selector.target == 1)   // 1 s is no longer enough
        selector.update(estimate: 3_000_000, now: Self.at(6000))
        #expect(selector.target == 2)
        _ = selector.forwards(layer: 2, isKeyframe: true, now: Self.at(6030))
        selector.update(estimate: 3_000_000, now: Self.at(11_100))   // kept for 5 s
        #expect(selector.currentUpHold == .seconds(1))
    }

    @Test func holdIsCappedAtMaxUpHold() {
        var configuration = SimulcastLayerSelector.Configuration()
        configuration.maxUpHold = .seconds(3)
        var selector = SimulcastLayerSelector(layerBitrates: Self.layers, configuration: configuration)
        selector.update(estimate: 600_000, now: Self.at(0))
        _ = selector.forwards(layer: 1, isKeyframe: true, now: Self.at(0))
        var now = 0
        for _ in 0..<4 {
            now += 100
            selector.update(estimate: 3_000_000, now: Self.at(now))
            now += 4000
            selector.update(estimate: 3_000_000, now: Self.at(now))
            _ = selector.forwards(layer: 2, isKeyframe: true, now: Self.at(now))
            now += 100
            selector.update(estimate: 600_000, now: Self.at(now))
            _ = selector.forwards(layer: 1, isKeyframe: true, now: Self.at(now))
        }
        #expect(selector.counters.failedProbes == 4)
        #expect(selector.currentUpHold == .seconds(3))
    }

    @Test func keyframeRequestsRepeatUntilTheKeyframeComes() {
        var selector = SimulcastLayerSelector(layerBitrates: Self.layers)
        selector.update(estimate: 200_000, now: Self.at(0))
        let first = selector.pollKeyframeRequest(now: Self.at(0))
        let soon = selector.pollKeyframeRequest(now: Self.at(499))
        #expect(first == 0 && soon == nil)
        #expect(selector.nextDeadline == Self.at(500))
        let again = selector.pollKeyframeRequest(now: Self.at(500))
        #expect(again == 0)
        _ = selector.forwards(layer: 0, isKeyframe: true, now: Self.at(520))
        #expect(selector.nextDeadline == nil)
        #expect(selector.pollKeyframeRequest(now: Self.at(2000)) == nil)
        #expect(selector.counters.keyframeRequests == 2)
    }

    @Test func aLayerThePublisherStopsIsLeft() {
        var selector = SimulcastLayerSelector(layerBitrates: Self.layers)
        selector.update(estimate: 3_000_000, now: Self.at(0))
        _ = selector.forwards(layer: 2, isKeyframe: true, now: Self.at(0))
        selector.update(estimate: 3_000_000, layerBitrates: [150_000, 500_000, nil], now: Self.at(100))
        #expect(selector.target == 1)
        selector.update(estimate: 3_000_000, layerBitrates: [nil, nil, nil], now: Self.at(200))
        #expect(selector.target == nil)
    }

    @Test func withoutSimulcastACongestedViewerPausesAndResumes() {
        var configuration = SimulcastLayerSelector.Configuration()
        configuration.pausesBelowLowest = true
        var selector = SimulcastLayerSelector(layerBitrates: [1_000_000], configuration: configuration)
        selector.update(estimate: 1_500_000, now: Self.at(0))
        _ = selector.forwards(layer: 0, isKeyframe: true, now: Self.at(0))
        selector.update(estimate: 400_000, now: Self.at(1000))
        let paused = selector.forwards(layer: 0, isKeyframe: true, now: Self.at(1010))
        #expect(!paused && selector.current == nil && selector.target == nil && selector.counters.pauses == 1)
        selector.update(estimate: 300_000, now: Self.at(1500))
        #expect(selector.counters.pauses == 1)
        selector.update(estimate: 1_500_000, now: Self.at(2000))
        #expect(selector.target == nil)
        selector.update(estimate: 1_500_000, now: Self.at(3000))
        #expect(selector.target == 0)
        let delta = selector.forwards(layer: 0, isKeyframe: false, now: Self.at(3010))
        let resumed = selector.forwards(layer: 0, isKeyframe: true, now: Self.at(3040))
        #expect(!delta && resumed)
    }

    /// Three layers with their own SSRCs, sequence numbers and timestamp bases through the selector
    /// and one `RTPStreamRewriter` (one source epoch per forwarded layer): the viewer sees one SSRC,
    /// sequence numbers rising by one and timestamps that keep rising by the frame interval.
    @Test func switchesKeepOneContinuousStream() {
        var selector = SimulcastLayerSelector(layerBitrates: Self.layers)
        var rewriter = RTPStreamRewriter(ssrc: 0xABCD, initialSequenceNumber: 65_530, initialTimestamp: 1000)
        let bases: [(ssrc: UInt32, sequence: UInt16, timestamp: UInt32)] =
            [(11, 100, 5_000_000), (22, 40_000, 900), (33, 65_000, 0xFFFF_0000)]
        var epoch = 0
        var forwardedLayer: Int?
        var output: [(sequence: UInt16, timestamp: UInt32, layer: Int)] = []
        selector.update(estimate: 3_000_000, now: Self.at(0))
        for frame in 0..<120 {
            let now = Self.at(frame * 33)
            if frame == 30 { selector.update(estimate: 600_000, now: now) }
            if frame >= 60 { selector.update(estimate: 3_000_000, now: now) }
            for layer in 0..<3 {
                // Every layer sends a keyframe every 10 frames, at different frames.
                let isKeyframe = (frame + layer * 3) % 10 == 0
                guard selector.forwards(layer: layer, isKeyframe: isKeyframe, now: now) else { continue }
                if forwardedLayer != layer { epoch += 1; forwardedLayer = layer }
                let base = bases[layer]
                for index in 0..<2 {
                    let packet = RTPPacket(payloadType: 96, sequenceNumber: base.sequence &+ UInt16(frame * 2 + index),
                                           timestamp: base.timestamp &+ UInt32(frame) * 3000, ssrc: base.ssrc,
                                           marker: index == 1, payload: [0])
                    let rewritten = rewriter.rewrite(packet, sourceEpoch: epoch, arrival: now, clockRate: 90_000)
                    output.append((rewritten.sequenceNumber, rewritten.timestamp, layer))
                }
            }
        }
        #expect(Set(output.map(\.layer)) == [1, 2])   // 600 kbit/s still fits layer 1
        #expect(selector.counters.switchesDown == 1 && selector.counters.switchesUp == 1)
        for (previous, next) in zip(output, output.dropFirst()) {
            #expect(next.sequence == previous.sequence &+ 1)
            let step = next.timestamp &- previous.timestamp
            if next.layer == previous.layer {
                #expect(step == 0 || step == 3000, "timestamp step \(step) within layer \(next.layer)")
            } else {
                // Across a switch: the wall-clock gap since the last packet, at least one tick.
                #expect(step >= 1 && step <= 3000, "timestamp step \(step) at layer \(previous.layer)→\(next.layer)")
            }
        }
    }
}
