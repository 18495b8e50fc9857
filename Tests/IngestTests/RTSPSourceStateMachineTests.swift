@testable import Ingest
import RTCBase
import Testing

/// `RTSPSourceStateMachine` on virtual time: attempts and backoff, the playing watchdog (UDP →
/// TCP fallback, dead stream, receiver reports) and the on-demand policy.
@Suite struct RTSPSourceStateMachineTests {
    /// u = 0.5 every time: the jitter factor is exactly 1.
    struct MiddleGenerator: RandomNumberGenerator {
        mutating func next() -> UInt64 { 1 << 63 }
    }

    static let t0 = Instant(nanoseconds: 100_000_000_000)

    static func machine(onDemand: Bool = false) -> RTSPSourceStateMachine {
        RTSPSourceStateMachine(onDemand: onDemand, closeAfter: .seconds(10), random: MiddleGenerator())
    }

    static func drain(_ machine: inout RTSPSourceStateMachine) -> (outputs: [RTSPSourceStateMachine.Output], deadline: Instant) {
        var outputs: [RTSPSourceStateMachine.Output] = []
        while true {
            let output = machine.poll()
            if case .timeout(let deadline) = output { return (outputs, deadline) }
            outputs.append(output)
        }
    }

    /// The outputs other than events.
    static func actions(_ machine: inout RTSPSourceStateMachine) -> [RTSPSourceStateMachine.Output] {
        drain(&machine).outputs.filter { if case .event = $0 { false } else { true } }
    }

    @Test func failedAttemptsAreRetriedWithExponentialBackoff() {
        var machine = Self.machine()
        machine.start(now: Self.t0)
        #expect(Self.drain(&machine) == ([.event(.connecting(attempt: 1)), .connect(attempt: 1)], .distantFuture))
        var now = Self.t0
        for (attempt, seconds) in [(1, 1), (2, 2), (3, 4), (4, 8), (5, 16), (6, 30), (7, 30)] {
            machine.attemptFailed("refused", now: now)
            let (outputs, deadline) = Self.drain(&machine)
            #expect(outputs == [.disconnect(teardown: false),
                                .event(.failed(reason: "refused", attempt: attempt, retryIn: .seconds(seconds)))])
            #expect(deadline == now + .seconds(seconds))
            #expect(machine.isActive && !machine.isAttempting)
            machine.handleTimeout(now: deadline - .nanoseconds(1))
            #expect(Self.actions(&machine).isEmpty)
            now = deadline
            machine.handleTimeout(now: now)
            #expect(Self.actions(&machine) == [.connect(attempt: attempt + 1)])
        }
        // A late failure report of an attempt that already ended changes nothing.
        machine.attemptFailed("refused", now: now)
        _ = Self.drain(&machine)
        machine.attemptFailed("stale", now: now)
        #expect(Self.drain(&machine).outputs.isEmpty)
    }

    @Test func aStreamThatPlayedLongEnoughStartsTheBackoffAgain() {
        var machine = Self.machine()
        machine.start(now: Self.t0)
        for _ in 0..<3 {
            machine.attemptFailed("refused", now: Self.t0)
            machine.handleTimeout(now: Self.t0 + .seconds(60))
        }
        machine.playing(now: Self.t0 + .seconds(60), usesTCP: true)
        machine.mediaReceived(now: Self.t0 + .seconds(70), overUDP: false)
        _ = Self.drain(&machine)
        machine.attemptFailed("connection lost", now: Self.t0 + .seconds(70))
        #expect(Self.drain(&machine).deadline == Self.t0 + .seconds(71))
    }

    @Test func noUDPMediaAfterPlayAsksTheSessionToFallBackOnce() {
        var machine = Self.machine()
        machine.start(now: Self.t0)
        machine.playing(now: Self.t0, usesTCP: false)
        #expect(Self.drain(&machine).deadline == Self.t0 + .seconds(3))
        machine.handleTimeout(now: Self.t0 + .seconds(3))
        #expect(Self.drain(&machine).outputs == [.event(.noUDPMedia(after: .seconds(3))), .reportNoUDPMedia])
        machine.handleTimeout(now: Self.t0 + .milliseconds(3500))
        #expect(Self.actions(&machine).isEmpty)
        // The session reconnects over TCP; media flows on the connection: no fallback any more.
        machine.reconnecting()
        machine.playing(now: Self.t0 + .seconds(4), usesTCP: true)
        machine.mediaReceived(now: Self.t0 + .seconds(5), overUDP: false)
        machine.handleTimeout(now: Self.t0 + .seconds(8))
        #expect(Self.actions(&machine).isEmpty)
    }

    @Test func udpMediaInTimeKeepsUDP() {
        var machine = Self.machine()
        machine.start(now: Self.t0)
        machine.playing(now: Self.t0, usesTCP: false)
        machine.mediaReceived(now: Self.t0 + .seconds(1), overUDP: true)
        _ = Self.drain(&machine)
        machine.handleTimeout(now: Self.t0 + .seconds(3))
        #expect(Self.actions(&machine).isEmpty)
        #expect(Self.drain(&machine).deadline == Self.t0 + .seconds(5))   // the first receiver report
    }

    @Test func receiverReportsWhileMediaFlowsAndADeadStreamReconnects() {
        var machine = Self.machine()
        machine.start(now: Self.t0)
        machine.playing(now: Self.t0, usesTCP: true)
        _ = Self.drain(&machine)
        for second in 1...10 { machine.mediaReceived(now: Self.t0 + .seconds(second), overUDP: false) }
        machine.handleTimeout(now: Self.t0 + .seconds(5))
        #expect(Self.actions(&machine) == [.sendReceiverReports])
        machine.handleTimeout(now: Self.t0 + .seconds(10))
        #expect(Self.drain(&machine) == ([.sendReceiverReports], Self.t0 + .seconds(15)))
        // Media stops after 10 s: dead 5 s later.
        machine.handleTimeout(now: Self.t0 + .seconds(15))
        let (outputs, deadline) = Self.drain(&machine)
        #expect(outputs == [.disconnect(teardown: false),
                            .event(.failed(reason: "no media for 5.0 s (dead stream)", attempt: 1, retryIn: .seconds(1)))])
        #expect(deadline == Self.t0 + .seconds(16))
    }

    @Test func onDemandConnectsForReadersAndClosesAfterTheLastOneLeft() {
        var machine = Self.machine(onDemand: true)
        machine.start(now: Self.t0)
        #expect(Self.drain(&machine).outputs.isEmpty)
        machine.readersChanged(1, now: Self.t0)
        #expect(Self.drain(&machine).outputs == [.event(.connectingOnDemand(reason: .firstReader)),
                                                 .event(.connecting(attempt: 1)), .connect(attempt: 1)])
        machine.readersChanged(0, now: Self.t0 + .seconds(20))
        #expect(Self.drain(&machine).deadline == Self.t0 + .seconds(30))
        // A reader coming back in time cancels the close.
        machine.readersChanged(1, now: Self.t0 + .seconds(25))
        #expect(Self.drain(&machine).deadline == .distantFuture)
        machine.readersChanged(0, now: Self.t0 + .seconds(40))
        machine.handleTimeout(now: Self.t0 + .seconds(50))
        #expect(Self.drain(&machine) == ([.disconnect(teardown: true), .event(.idleDisconnected)], .distantFuture))
        #expect(!machine.isActive)
    }

    @Test func onDemandAttemptsFollowReadersAndDemands() {
        var machine = Self.machine(onDemand: true)
        machine.readersChanged(1, now: Self.t0)
        machine.readersChanged(0, now: Self.t0)
        machine.handleTimeout(now: Self.t0 + .seconds(10))
        _ = Self.drain(&machine)
        // While readers are there, failures retry; once gone and closed, a failure is final.
        machine.readersChanged(1, now: Self.t0 + .seconds(11))
        _ = Self.drain(&machine)
        machine.readersChanged(0, now: Self.t0 + .seconds(11))
        machine.handleTimeout(now: Self.t0 + .seconds(21))
        _ = Self.drain(&machine)
        machine.readersChanged(1, now: Self.t0 + .seconds(30))
        machine.attemptFailed("refused", now: Self.t0 + .seconds(30))
        #expect(Self.drain(&machine).deadline == Self.t0 + .seconds(31))
        machine.handleTimeout(now: Self.t0 + .seconds(31))   // attempt 4 runs
        machine.readersChanged(0, now: Self.t0 + .seconds(32))
        machine.handleTimeout(now: Self.t0 + .seconds(42))   // idle close
        _ = Self.drain(&machine)
        machine.demand(now: Self.t0 + .seconds(50))
        machine.readersChanged(0, now: Self.t0 + .seconds(50))
        _ = Self.drain(&machine)
        machine.handleTimeout(now: Self.t0 + .seconds(60))   // the demand's viewer never came
        #expect(Self.drain(&machine).outputs.contains(.event(.idleDisconnected)))
        machine.attemptFailed("late", now: Self.t0 + .seconds(61))
        #expect(Self.drain(&machine) == ([], .distantFuture))
    }

    @Test func aDemandConnectsAndClosesAgainWhenNoReaderComes() {
        var machine = Self.machine(onDemand: true)
        machine.demand(now: Self.t0)
        #expect(Self.drain(&machine) == ([.event(.connectingOnDemand(reason: .viewerArriving)),
                                          .event(.connecting(attempt: 1)), .connect(attempt: 1)], Self.t0 + .seconds(10)))
        // The attempt fails while the demand is pending: it is retried.
        machine.attemptFailed("refused", now: Self.t0 + .seconds(1))
        #expect(Self.drain(&machine).deadline == Self.t0 + .seconds(2))
        machine.handleTimeout(now: Self.t0 + .seconds(2))
        #expect(Self.actions(&machine) == [.connect(attempt: 2)])
        machine.handleTimeout(now: Self.t0 + .seconds(10))
        #expect(Self.actions(&machine) == [.disconnect(teardown: true)])
    }

    @Test func stopTearsDownAndEndsEverything() {
        var machine = Self.machine()
        machine.start(now: Self.t0)
        machine.playing(now: Self.t0, usesTCP: true)
        _ = Self.drain(&machine)
        machine.stop()
        #expect(Self.drain(&machine) == ([.disconnect(teardown: true)], .distantFuture))
        machine.readersChanged(1, now: Self.t0)
        machine.demand(now: Self.t0)
        machine.handleTimeout(now: Self.t0 + .seconds(60))
        #expect(Self.drain(&machine) == ([], .distantFuture))
    }

    @Test func messagesRoundSecondsToTenths() {
        #expect(RTSPSourceStateMachine.seconds(.milliseconds(1149)) == "1.1")
        #expect(RTSPSourceStateMachine.seconds(.milliseconds(1150)) == "1.2")
        #expect(RTSPSourceStateMachine.seconds(.seconds(30)) == "30.0")
    }
}
