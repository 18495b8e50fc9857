import RTCBase
import Testing
@testable import RTP

/// The per-viewer estimate on virtual time: a sender paced at the estimate, a drop-tail bottleneck
/// whose capacity steps, and the viewer's transport-wide feedback built by the gateway's own
/// `TransportWideFeedbackGenerator` every 50 ms.
@Suite struct ViewerBandwidthEstimatorTests {
    static let start = Instant(nanoseconds: 5_000_000_000)

    /// A drop-tail bottleneck: `capacity` bits per second, at most `queueLimit` of queueing,
    /// `propagation` one way, and random loss from a seeded generator.
    struct BottleneckLink {
        var capacity: UInt64
        var propagation: Duration = .milliseconds(20)
        var queueLimit: Duration = .milliseconds(300)
        var lossFraction = 0.0
        var busyUntil = Instant.zero
        var random = SeededRandom(seed: 7)

        /// When the packet arrives, or nil when it is dropped.
        mutating func send(byteCount: Int, at now: Instant) -> Instant? {
            let begin = max(now, busyUntil)
            if begin - now > queueLimit { return nil }
            busyUntil = begin + .nanoseconds(Int64(byteCount) * 8 * 1_000_000_000 / Int64(capacity))
            if lossFraction > 0, random.nextUnit() < lossFraction { return nil }
            return busyUntil + propagation
        }
    }

    /// xorshift64*: deterministic loss.
    struct SeededRandom {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func nextUnit() -> Double {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return Double((state &* 2_685_821_657_736_338_717) >> 11) / Double(1 << 53)
        }
    }

    /// Sender, link and viewer stepped together on 5 ms ticks.
    struct Simulation {
        var estimator: ViewerBandwidthEstimator
        var link: BottleneckLink
        var generator = TransportWideFeedbackGenerator()
        var now = ViewerBandwidthEstimatorTests.start
        var sequence: UInt16 = 65_000   // wraps during the run
        var budget = 0.0
        var inFlight: [(arrival: Instant, sequence: UInt16)] = []
        var feedbackInFlight: [(arrival: Instant, feedback: RTCPTransportWideFeedback)] = []
        /// The most the sender has to send (a layer's bitrate), bits per second.
        var sourceBitrate: Double = 50_000_000

        init(capacity: UInt64, configuration: ViewerBandwidthEstimator.Configuration = .init()) {
            estimator = ViewerBandwidthEstimator(configuration: configuration)
            link = BottleneckLink(capacity: capacity)
        }

        mutating func run(for duration: Duration) {
            let end = now + duration
            var ticks = 0
            while now < end, ticks < 100_000 {
                ticks += 1
                step()
                now = now + .milliseconds(5)
            }
        }

        mutating func step() {
            budget += min(Double(estimator.estimate), sourceBitrate) * 0.005 / 8
            budget = min(budget, 30_000)
            while budget >= 1200 {
                budget -= 1200
                estimator.sent(sequenceNumber: sequence, byteCount: 1200, at: now)
                if let arrival = link.send(byteCount: 1200, at: now) { inFlight.append((arrival, sequence)) }
                sequence &+= 1
            }
            let arrived = inFlight.filter { $0.arrival <= now }.sorted { $0.arrival < $1.arrival }
            inFlight.removeAll { $0.arrival <= now }
            for packet in arrived { generator.record(sequenceNumber: packet.sequence, arrival: packet.arrival) }
            if generator.isDue(now: now) {
                for feedback in generator.makeFeedback(senderSSRC: 1, mediaSSRC: 2, now: now) {
                    feedbackInFlight.append((now + .milliseconds(20), feedback))
                }
            }
            let due = feedbackInFlight.filter { $0.arrival <= now }
            feedbackInFlight.removeAll { $0.arrival <= now }
            for item in due { estimator.receive(item.feedback, at: now) }
        }

        /// Runs until `condition` holds (checked every tick), at most `limit`; returns the time it took.
        mutating func time(until condition: (ViewerBandwidthEstimator) -> Bool, limit: Duration) -> Duration? {
            let begin = now
            var ticks = 0
            while now - begin < limit, ticks < 100_000 {
                if condition(estimator) { return now - begin }
                ticks += 1
                step()
                now = now + .milliseconds(5)
            }
            return nil
        }
    }

    @Test func followsCapacityStepsDownAndUp() throws {
        var simulation = Simulation(capacity: 4_000_000)
        simulation.run(for: .seconds(10))
        let settled = simulation.estimator.estimate
        #expect(settled >= 2_400_000 && settled <= 4_800_000, "settled at \(settled)")

        simulation.link.capacity = 600_000
        let down = simulation.time(until: { $0.estimate <= 700_000 }, limit: .seconds(5))
        let downTime = try #require(down)
        #expect(downTime <= .seconds(2), "took \(downTime) to go under 700 kbit/s")
        simulation.run(for: .seconds(8))
        let capped = simulation.estimator.estimate
        #expect(capped >= 300_000 && capped <= 800_000, "held at \(capped) on a 600 kbit/s link")
        #expect(simulation.estimator.queueDelay < .milliseconds(200))

        simulation.link.capacity = 4_000_000
        let up = simulation.time(until: { $0.estimate >= 2_000_000 }, limit: .seconds(10))
        let upTime = try #require(up)
        #expect(upTime <= .seconds(8), "took \(upTime) to reach 2 Mbit/s again")
        #expect(simulation.estimator.counters.delayDecreases > 0)
        print("estimator steps: settled \(settled) bit/s on 4 Mbit/s; under 700 kbit/s \(downTime) after the drop to 600 kbit/s; "
            + "held \(capped); ≥ 2 Mbit/s \(upTime) after the cap lifted")
    }

    @Test func lossBurstCutsAndRecovers() throws {
        var simulation = Simulation(capacity: 3_000_000)
        simulation.sourceBitrate = 1_500_000   // well under capacity: no delay signal, only loss
        simulation.run(for: .seconds(8))
        let before = simulation.estimator.estimate
        #expect(before >= 1_500_000)
        simulation.link.lossFraction = 0.3
        simulation.run(for: .seconds(2))
        let during = simulation.estimator.estimate
        #expect(Double(during) <= Double(before) * 0.8, "before \(before), during \(during)")
        #expect(simulation.estimator.counters.lossDecreases > 0)
        simulation.link.lossFraction = 0
        let recovered = simulation.time(until: { $0.estimate >= before }, limit: .seconds(10))
        #expect(recovered != nil)
    }

    @Test func rembAndReceiverReportsWithoutTransportFeedback() {
        var estimator = ViewerBandwidthEstimator()
        #expect(estimator.estimate == 1_000_000)
        var now = Self.start
        for _ in 0..<5 {
            now = now + .seconds(1)
            estimator.receive(reportedLossFraction: 0, at: now)
        }
        let grown = estimator.estimate
        #expect(grown > 2_000_000)
        estimator.receive(rembBitrate: 800_000)
        #expect(estimator.estimate == 800_000)
        estimator.receive(rembBitrate: 5_000_000)
        now = now + .seconds(1)
        estimator.receive(reportedLossFraction: 0.3, at: now)
        let cut = estimator.estimate
        #expect(Double(cut) <= Double(grown) * 0.9)
        now = now + .seconds(1)
        estimator.receive(reportedLossFraction: 0.05, at: now)
        #expect(estimator.estimate == cut)   // 2–10 %: hold
    }

    @Test func historyAtCapAndOnePast() {
        var configuration = ViewerBandwidthEstimator.Configuration()
        configuration.historySize = 8
        var estimator = ViewerBandwidthEstimator(configuration: configuration)
        for sequence in UInt16(0)..<9 {
            estimator.sent(sequenceNumber: sequence, byteCount: 1000, at: Self.start + .milliseconds(Int64(sequence)))
        }
        // Sequence 1 is the oldest of the last 8 (at the cap): known. Sequence 0 is one past.
        let atCap = RTCPTransportWideFeedback(senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 1, referenceTime: 100,
                                              feedbackCount: 0, deltasMicroseconds: [1000])
        estimator.receive(atCap, at: Self.start + .milliseconds(50))
        #expect(estimator.counters.unknownFeedbackPackets == 0)
        let onePast = RTCPTransportWideFeedback(senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 0, referenceTime: 100,
                                                feedbackCount: 1, deltasMicroseconds: [1000])
        estimator.receive(onePast, at: Self.start + .milliseconds(60))
        #expect(estimator.counters.unknownFeedbackPackets == 1)
    }

    @Test func historySizeIsClamped() {
        var configuration = ViewerBandwidthEstimator.Configuration()
        configuration.historySize = 0
        var estimator = ViewerBandwidthEstimator(configuration: configuration)
        estimator.sent(sequenceNumber: 3, byteCount: 1000, at: Self.start)
        #expect(estimator.counters.packetsSent == 1)
        configuration.historySize = 1_000_000
        let large = ViewerBandwidthEstimator(configuration: configuration)
        #expect(large.estimate == 1_000_000)
    }

    @Test func referenceTimeUnwrapsAcross24Bits() {
        var unwrapper = ReferenceTimeUnwrapper()
        #expect(unwrapper.unwrap(0xFF_FFFE) == 0xFF_FFFE)
        #expect(unwrapper.unwrap(1) == 0x100_0001)
        #expect(unwrapper.unwrap(0xFF_FFFF) == 0xFF_FFFF)
    }
}
