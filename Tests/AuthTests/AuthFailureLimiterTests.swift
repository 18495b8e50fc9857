import Auth
import RTCBase
import Testing

@Suite struct AuthFailureLimiterTests {
    let start = Instant(nanoseconds: 1_000_000_000)

    @Test func blocksAtTheCapNotBefore() {
        var limiter = AuthFailureLimiter(settings: .init(maxFailures: 3, window: .seconds(60), maxClients: 10))
        limiter.recordFailure("a", now: start)
        limiter.recordFailure("a", now: start + .seconds(1))
        #expect(!limiter.isBlocked("a", now: start + .seconds(2)))   // 2 of 3
        limiter.recordFailure("a", now: start + .seconds(2))
        #expect(limiter.isBlocked("a", now: start + .seconds(2)))    // at the cap: the next attempt is refused
        #expect(!limiter.isBlocked("b", now: start + .seconds(2)))   // per address
        #expect(limiter.retryAfter("a", now: start + .seconds(10)) == .seconds(50))
        #expect(limiter.isBlocked("a", now: start + .seconds(59)))
        #expect(!limiter.isBlocked("a", now: start + .seconds(60)))  // the window ended
        limiter.recordFailure("a", now: start + .seconds(60))
        #expect(!limiter.isBlocked("a", now: start + .seconds(60)))  // a new window, 1 of 3
    }

    @Test func tableIsCappedAtMaxClientsAndOnePast() {
        var limiter = AuthFailureLimiter(settings: .init(maxFailures: 1, window: .seconds(60), maxClients: 2))
        limiter.recordFailure("a", now: start)
        limiter.recordFailure("b", now: start + .seconds(1))
        #expect(limiter.trackedClients == 2)
        #expect(limiter.isBlocked("a", now: start + .seconds(2)) && limiter.isBlocked("b", now: start + .seconds(2)))
        limiter.recordFailure("c", now: start + .seconds(2))   // one past: the oldest goes
        #expect(limiter.trackedClients == 2)
        #expect(!limiter.isBlocked("a", now: start + .seconds(2)))
        #expect(limiter.isBlocked("b", now: start + .seconds(2)) && limiter.isBlocked("c", now: start + .seconds(2)))
    }

    @Test func webhookAllowCacheExpiresAndIsCapped() {
        var cache = WebhookAllowCache(lifetime: .seconds(10), maxEntries: 2)
        let a = AuthRequest(path: "a", action: .read, protocol: .whep, clientIP: "192.0.2.1", token: "t")
        var b = a
        b.path = "b"
        var c = a
        c.path = "c"
        cache.insert(a, now: start)
        #expect(cache.allows(a, now: start + .seconds(9)))
        #expect(!cache.allows(a, now: start + .seconds(10)))
        var otherToken = a
        otherToken.token = "u"
        #expect(!cache.allows(otherToken, now: start))
        cache.insert(b, now: start + .seconds(1))
        cache.insert(c, now: start + .seconds(2))
        #expect(cache.count == 2)
        #expect(!cache.allows(a, now: start + .seconds(2)) && cache.allows(c, now: start + .seconds(2)))
        var off = WebhookAllowCache(lifetime: .zero)
        off.insert(a, now: start)
        #expect(!off.allows(a, now: start))
    }
}
