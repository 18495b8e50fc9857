import Egress
import RTCBase
import Testing

/// Freezes as webrtc-stats defines them (gap ≥ max(3 × average, average + 150 ms) over the last
/// 30 intervals), keyframe waits, and the path going idle, on virtual time.
@Suite struct FreezeCounterTests {
    static func at(_ milliseconds: Int) -> Instant { Instant(nanoseconds: UInt64(milliseconds) * 1_000_000) }

    /// Frames every `interval` ms from `start` (inclusive), `count` of them; returns the last time.
    @discardableResult
    static func frames(_ counter: inout FreezeCounter, from start: Int, every interval: Int, count: Int) -> Int {
        var time = start
        for index in 0..<count {
            time = start + index * interval
            counter.frameSent(at: at(time))
        }
        return time
    }

    @Test func steadyFramesAreNoFreeze() {
        var counter = FreezeCounter()
        #expect(counter.threshold == nil)
        let last = Self.frames(&counter, from: 0, every: 33, count: 100)
        #expect(counter.statistics(at: Self.at(last)) == FreezeCounter.Statistics())
        // 30 fps: the average + 150 ms is the larger bound.
        #expect(counter.threshold == .milliseconds(183))
    }

    @Test func aGapAtTheThresholdIsAFreezeAndOneShortOfItIsNot() {
        var counter = FreezeCounter()
        var last = Self.frames(&counter, from: 0, every: 40, count: 31)   // average 40 ms: threshold 190 ms
        #expect(counter.threshold == .milliseconds(190))
        last += 189
        counter.frameSent(at: Self.at(last))
        #expect(counter.statistics(at: Self.at(last)).freezes == 0)

        var other = FreezeCounter()
        var time = Self.frames(&other, from: 0, every: 40, count: 31)
        time += 190
        other.frameSent(at: Self.at(time))
        #expect(other.statistics(at: Self.at(time)) == FreezeCounter.Statistics(freezes: 1, frozen: .milliseconds(190)))
    }

    @Test func slowFramesUseThreeTimesTheAverage() {
        var counter = FreezeCounter()
        var time = Self.frames(&counter, from: 0, every: 200, count: 31)   // 5 fps: threshold 600 ms
        #expect(counter.threshold == .milliseconds(600))
        time += 500
        counter.frameSent(at: Self.at(time))
        #expect(counter.statistics(at: Self.at(time)).freezes == 0)
        time += 700
        counter.frameSent(at: Self.at(time))
        #expect(counter.statistics(at: Self.at(time)).freezes == 1)
    }

    @Test func theAverageIsOverTheLastThirtyIntervals() {
        var counter = FreezeCounter()
        var time = Self.frames(&counter, from: 0, every: 100, count: 31)
        time = Self.frames(&counter, from: time + 10, every: 10, count: FreezeCounter.window)
        // Only 10 ms intervals are left in the window.
        #expect(counter.threshold == .milliseconds(160))
    }

    @Test func anOpenGapCountsAtTheScrapeAndClosesAsTheSameFreeze() {
        var counter = FreezeCounter()
        let last = Self.frames(&counter, from: 0, every: 33, count: 60)
        #expect(counter.statistics(at: Self.at(last + 182)).freezes == 0)
        let open = counter.statistics(at: Self.at(last + 1000))
        #expect(open == FreezeCounter.Statistics(freezes: 1, frozen: .milliseconds(1000)))
        counter.frameSent(at: Self.at(last + 1500))
        let closed = counter.statistics(at: Self.at(last + 1500))
        #expect(closed == FreezeCounter.Statistics(freezes: 1, frozen: .milliseconds(1500)))
        let later = Self.frames(&counter, from: last + 1533, every: 33, count: 10)
        #expect(counter.statistics(at: Self.at(later)) == closed)
    }

    @Test func noFreezeWhileThePathHasNoPublisher() {
        var counter = FreezeCounter()
        let last = Self.frames(&counter, from: 0, every: 33, count: 60)
        counter.sourceEnded(at: Self.at(last + 50))
        // 10 s without a source: neither a freeze nor a keyframe wait.
        #expect(counter.statistics(at: Self.at(last + 10_000)) == FreezeCounter.Statistics())
        #expect(counter.threshold == nil)
        // The next source starts afresh at its own rate.
        let next = Self.frames(&counter, from: last + 10_000, every: 100, count: 5)
        #expect(counter.threshold == .milliseconds(300))
        #expect(counter.statistics(at: Self.at(next)) == FreezeCounter.Statistics())
    }

    @Test func theSourceEndingClosesAnOpenFreeze() {
        var counter = FreezeCounter()
        let last = Self.frames(&counter, from: 0, every: 33, count: 60)
        counter.sourceEnded(at: Self.at(last + 400))
        #expect(counter.statistics(at: Self.at(last + 5000)) == FreezeCounter.Statistics(freezes: 1, frozen: .milliseconds(400)))
    }

    @Test func keyframeWaitsAddUp() {
        var counter = FreezeCounter()
        counter.keyframeAwaited(at: Self.at(100))
        counter.keyframeAwaited(at: Self.at(133))
        #expect(counter.statistics(at: Self.at(300)).keyframeWaiting == .milliseconds(200))
        counter.frameSent(at: Self.at(400))
        #expect(counter.statistics(at: Self.at(1000)).keyframeWaiting == .milliseconds(300))
        counter.keyframeAwaited(at: Self.at(2000))
        counter.sourceEnded(at: Self.at(2250))
        #expect(counter.statistics(at: Self.at(9000)).keyframeWaiting == .milliseconds(550))
    }

    @Test func framesOutOfOrderInTimeDoNotTrap() {
        var counter = FreezeCounter()
        counter.frameSent(at: Self.at(1000))
        counter.frameSent(at: Self.at(500))
        counter.frameSent(at: Self.at(1033))
        #expect(counter.statistics(at: Self.at(1033)).freezes == 0)
    }
}
