import NIOCore
import NIOEmbedded
import RTCBase
@testable import Runtime
import Testing

/// The runtime's one engine driver on virtual time (an `EmbeddedEventLoop` and a clock that reads
/// it): outputs are performed in order, one timer is armed for the engine's deadline and re-armed
/// only when it changes, the engine gets its timeout at that instant, and a stopped driver is quiet.
@Suite struct EngineDriverTests {
    /// A stand-in sans-IO engine: queued outputs, then its deadline.
    final class CountdownEngine {
        enum Output: Equatable { case send(Int), timeout(Instant) }
        var queued: [Int] = []
        var deadline: Instant
        var timeouts: [Instant] = []
        init(deadline: Instant) { self.deadline = deadline }
        func poll() -> Output { queued.isEmpty ? .timeout(deadline) : .send(queued.removeFirst()) }
        func handleTimeout(now: Instant) {
            timeouts.append(now)
            queued.append(timeouts.count * 100)
            deadline = now + .milliseconds(20)
        }
    }

    static func at(_ milliseconds: Int64) -> Instant { Instant(nanoseconds: UInt64(milliseconds) * 1_000_000) }

    func makeDriver(_ loop: EmbeddedEventLoop) -> EngineDriver {
        EngineDriver(eventLoop: loop, clock: EngineClock { Instant(nanoseconds: loop.now.uptimeNanoseconds) })
    }

    @Test func drainsInOrderAndWakesTheEngineAtItsDeadline() {
        let loop = EmbeddedEventLoop()
        let driver = makeDriver(loop)
        let engine = CountdownEngine(deadline: Self.at(50))
        var sent: [Int] = []
        func pump() {
            driver.drainAndArm({ engine.poll() }, deadline: { if case .timeout(let d) = $0 { d } else { nil } }) { output in
                if case .send(let n) = output { sent.append(n) }
            }
        }
        driver.onTimeout { now in
            engine.handleTimeout(now: now)
            pump()
        }
        engine.queued = [1, 2, 3]
        pump()
        #expect(sent == [1, 2, 3])
        #expect(driver.deadline == Self.at(50))
        loop.advanceTime(to: .uptimeNanoseconds(49_999_999))
        #expect(engine.timeouts.isEmpty)
        loop.advanceTime(to: .uptimeNanoseconds(50_000_000))
        #expect(engine.timeouts == [Self.at(50)])
        #expect(sent == [1, 2, 3, 100])
        #expect(driver.deadline == Self.at(70))   // re-armed from the engine's new deadline
        loop.advanceTime(by: .milliseconds(100))  // 70, 90, 110, 130, 150
        #expect(engine.timeouts == [50, 70, 90, 110, 130, 150].map(Self.at))
    }

    @Test func armingTheSameDeadlineKeepsOneTimerAndAnEarlierOneReplacesIt() {
        let loop = EmbeddedEventLoop()
        let driver = makeDriver(loop)
        var fired: [Instant] = []
        driver.onTimeout { fired.append($0) }
        driver.arm(Self.at(30))
        driver.arm(Self.at(30))
        driver.arm(Self.at(10))   // earlier: replaces the 30 ms timer
        loop.advanceTime(to: .uptimeNanoseconds(100_000_000))
        #expect(fired == [Self.at(10)])
        driver.arm(.distantFuture)   // nothing due: no timer
        loop.advanceTime(by: .seconds(10))
        #expect(fired.count == 1)
    }

    @Test func cancelAndStop() {
        let loop = EmbeddedEventLoop()
        let driver = makeDriver(loop)
        var fired = 0
        driver.onTimeout { _ in fired += 1 }
        driver.arm(Self.at(10))
        driver.cancel()                 // a replaced engine's timer never fires…
        loop.advanceTime(by: .milliseconds(20))
        #expect(fired == 0)
        driver.arm(Self.at(40))         // …but the driver can be armed again
        loop.advanceTime(by: .milliseconds(30))
        #expect(fired == 1)
        driver.arm(Self.at(60))
        driver.stop()                   // a stopped driver is quiet for good
        driver.arm(Self.at(70))
        loop.advanceTime(by: .seconds(1))
        #expect(fired == 1)
    }
}
