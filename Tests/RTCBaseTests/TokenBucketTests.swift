import RTCBase
import Testing

@Suite struct TokenBucketTests {
    let start = Instant(nanoseconds: 5_000_000_000)

    @Test func startsFullAndRefusesPastCapacity() {
        var bucket = TokenBucket(capacity: 10, ratePerSecond: 5)
        let took1 = bucket.take(10, at: start)
        #expect(took1)   // at the cap
        let took2 = bucket.take(1, at: start)
        #expect(!took2)   // one past it
        #expect(bucket.available(at: start) == 0)
    }

    @Test func refillsAtTheRateUpToTheCapacity() {
        var bucket = TokenBucket(capacity: 10, ratePerSecond: 5)
        let took3 = bucket.take(10, at: start)
        #expect(took3)
        #expect(bucket.available(at: start + .milliseconds(199)) == 0)
        #expect(bucket.available(at: start + .milliseconds(200)) == 1)
        #expect(bucket.available(at: start + .seconds(1)) == 5)
        #expect(bucket.available(at: start + .seconds(60)) == 10)
        // A refused take leaves the tokens alone.
        let took4 = bucket.take(11, at: start + .seconds(60))
        #expect(!took4)
        let took5 = bucket.take(10, at: start + .seconds(60))
        #expect(took5)
    }

    @Test func slowRatesAccumulateAcrossShortSteps() {
        var bucket = TokenBucket(capacity: 1, ratePerSecond: 1)
        let took6 = bucket.take(1, at: start)
        #expect(took6)
        var now = start
        for _ in 0..<999 { now = now + .milliseconds(1); #expect(bucket.available(at: now) == 0) }
        #expect(bucket.available(at: now + .milliseconds(1)) == 1)
    }

    @Test func timeGoingBackwardsAndHugeValuesAreSafe() {
        var bucket = TokenBucket(capacity: .max, ratePerSecond: .max)
        let took7 = bucket.take(5, at: start)
        #expect(took7)
        // Time going backwards refills nothing; the far future refills to the (clamped) capacity.
        #expect(bucket.available(at: start - .seconds(1)) == bucket.capacity - 5)
        #expect(bucket.available(at: .distantFuture) == bucket.capacity)
        var empty = TokenBucket(capacity: 0, ratePerSecond: 100)
        let took8 = empty.take(1, at: start + .seconds(10))
        #expect(!took8)
        let took9 = empty.take(0, at: start)
        #expect(took9)
    }
}
