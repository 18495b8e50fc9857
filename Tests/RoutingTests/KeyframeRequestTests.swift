import Testing
import TestSupport
@testable import Routing

@Suite struct KeyframeRequestTests {
    @Test func requestsWithinTheIntervalAreCoalescedAndThePendingOneFiresAfter() throws {
        let clock = VirtualClock()
        let path = try Fixtures.router(clock: clock).createPath(named: "cam")
        let upstream = CallCounter()
        let token = try path.attachPublisher(tracks: [Fixtures.video], requestKeyframe: upstream.callback)

        path.requestKeyframe()
        #expect(upstream.count == 1)
        clock.advance(by: .milliseconds(100))
        path.requestKeyframe()
        clock.advance(by: .milliseconds(300))
        path.requestKeyframe()
        #expect(upstream.count == 1)

        clock.advance(by: .milliseconds(99))  // 499 ms after the first
        path.publish(Fixtures.unit(Fixtures.video, index: 0, keyframe: true), token: token)
        #expect(upstream.count == 1)
        clock.advance(by: .milliseconds(1))  // 500 ms: the pending request fires once
        path.publish(Fixtures.unit(Fixtures.video, index: 1), token: token)
        #expect(upstream.count == 2)
        clock.advance(by: .milliseconds(600))
        path.publish(Fixtures.unit(Fixtures.video, index: 2), token: token)
        #expect(upstream.count == 2)  // nothing pending

        let stats = path.stats
        #expect(stats.keyframeRequestsReceived == 3)
        #expect(stats.keyframeRequestsSent == 2)
    }

    @Test func pendingRequestAlsoFiresOnTheNextRequestAfterTheInterval() throws {
        let clock = VirtualClock()
        let path = try Fixtures.router(clock: clock).createPath(named: "cam")
        let upstream = CallCounter()
        _ = try path.attachPublisher(tracks: [Fixtures.video], requestKeyframe: upstream.callback)
        path.requestKeyframe()
        clock.advance(by: .milliseconds(200))
        path.requestKeyframe()
        clock.advance(by: .milliseconds(400))
        path.requestKeyframe()
        #expect(upstream.count == 2)  // the pending one and the new one merge
        clock.advance(by: .milliseconds(100))
        path.requestKeyframe()
        #expect(upstream.count == 2)
    }

    @Test func intervalIsConfigurable() throws {
        let clock = VirtualClock()
        let path = try Fixtures.router({ $0.keyframeRequestInterval = .seconds(2) }, clock: clock).createPath(named: "cam")
        let upstream = CallCounter()
        _ = try path.attachPublisher(tracks: [Fixtures.video], requestKeyframe: upstream.callback)
        path.requestKeyframe()
        clock.advance(by: .milliseconds(1999))
        path.requestKeyframe()
        #expect(upstream.count == 1)
        clock.advance(by: .milliseconds(1))
        path.requestKeyframe()
        #expect(upstream.count == 2)
    }

    @Test func requestsWithoutPublisherGoNowhereAndNewPublisherStartsFresh() throws {
        let clock = VirtualClock()
        let path = try Fixtures.router(clock: clock).createPath(named: "cam")
        path.requestKeyframe()
        #expect(path.stats.keyframeRequestsSent == 0)

        let first = CallCounter()
        let token = try path.attachPublisher(tracks: [Fixtures.video], requestKeyframe: first.callback)
        path.requestKeyframe()
        path.requestKeyframe()
        path.detachPublisher(token)
        let second = CallCounter()
        let next = try path.attachPublisher(tracks: [Fixtures.video], requestKeyframe: second.callback)
        path.requestKeyframe()
        clock.advance(by: .seconds(1))
        path.publish(Fixtures.unit(Fixtures.video, index: 0, keyframe: true), token: next)
        #expect(first.count == 1)  // its pending request died with it
        #expect(second.count == 1)  // not throttled by the previous source
        #expect(path.stats.keyframeRequestsReceived == 4)
        #expect(path.stats.keyframeRequestsSent == 2)
    }
}
