import RTCBase
import Routing
import Synchronization
import Testing
import TestSupport

@Suite struct PathReaderObserverTests {
    @Test func observerSeesEveryReaderCountChange() throws {
        let clock = VirtualClock()
        let router = Router(limits: RoutingLimits(), clock: clock.source)
        let path = try router.createPath(named: "cam")
        let counts = Mutex<[Int]>([])
        let first = try path.addReader(wake: {})
        path.observeReaders { count in counts.withLock { $0.append(count) } }
        let second = try path.addReader(wake: {})
        path.removeReader(first)
        path.removeReader(first)   // already removed: no notification
        path.removeReader(second)
        #expect(counts.withLock { $0 } == [1, 2, 1, 0])
    }
}
