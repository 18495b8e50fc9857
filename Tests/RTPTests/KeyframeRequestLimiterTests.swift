import RTCBase
import Testing
@testable import RTP

@Suite struct KeyframeRequestLimiterTests {
    static let start = Instant(nanoseconds: 2_000_000_000)

    @Test func firstRequestGoesOutAtOnce() {
        var limiter = KeyframeRequestLimiter()
        let sent = limiter.request(now: Self.start)
        #expect(sent)
        #expect(limiter.nextDeadline == nil)
    }

    @Test func requestsDuringQuietIntervalCoalesceIntoOne() {
        var limiter = KeyframeRequestLimiter()
        _ = limiter.request(now: Self.start)
        let second = limiter.request(now: Self.start + .milliseconds(100))
        let third = limiter.request(now: Self.start + .milliseconds(200))
        #expect(!second && !third)
        #expect(limiter.isPending)
        #expect(limiter.nextDeadline == Self.start + .milliseconds(500))
        let early = limiter.handleTimeout(now: Self.start + .milliseconds(499))
        #expect(!early)
        let fired = limiter.handleTimeout(now: Self.start + .milliseconds(500))
        #expect(fired)
        #expect(limiter.nextDeadline == nil)
        let again = limiter.handleTimeout(now: Self.start + .milliseconds(600))
        #expect(!again)
        // The fired request starts a new quiet interval.
        let tooSoon = limiter.request(now: Self.start + .milliseconds(900))
        #expect(!tooSoon)
        #expect(limiter.nextDeadline == Self.start + .milliseconds(1_000))
    }

    @Test func requestAfterIntervalGoesOutDirectly() {
        var limiter = KeyframeRequestLimiter(interval: .milliseconds(200))
        _ = limiter.request(now: Self.start)
        let sent = limiter.request(now: Self.start + .milliseconds(200))
        #expect(sent)
    }

    @Test func cancelDropsPendingRequest() {
        var limiter = KeyframeRequestLimiter()
        _ = limiter.request(now: Self.start)
        _ = limiter.request(now: Self.start + .milliseconds(10))
        limiter.cancelPending()
        #expect(limiter.nextDeadline == nil)
        let fired = limiter.handleTimeout(now: Self.start + .seconds(1))
        #expect(!fired)
    }
}

extension KeyframeRequestLimiterTests {
    @Test func resetForgetsHistoryAndPending() {
        var limiter = KeyframeRequestLimiter()
        let t0 = Instant(nanoseconds: 1_000_000_000)
        let first = limiter.request(now: t0)
        let second = limiter.request(now: t0 + .milliseconds(100))
        #expect(first && !second && limiter.isPending)
        limiter.reset()
        #expect(!limiter.isPending && limiter.nextDeadline == nil)
        let afterReset = limiter.request(now: t0 + .milliseconds(200))
        #expect(afterReset)   // a new source is not throttled by the old one
    }
}
