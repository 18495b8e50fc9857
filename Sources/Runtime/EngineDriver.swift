import NIOCore
import RTCBase

/// Where a driver reads time: the runtime's monotonic clock, or a virtual one in tests (with an
/// `EmbeddedEventLoop`, whose timers run on the same virtual time).
public struct EngineClock: Sendable {
    public var now: @Sendable () -> Instant
    public init(now: @escaping @Sendable () -> Instant) { self.now = now }
    public static let runtime = EngineClock { RuntimeClock.now() }
}

/// The runtime's one engine driver (house plan §1): after any input, drain the engine's `poll()`
/// until it names a deadline, performing every other output in order; keep exactly one timer
/// armed for that deadline (re-armed only when it changes); when it fires, hand the engine the
/// current time. Used by every sans-IO engine the runtime runs (WebRTC sessions, RTSP client and
/// server sessions, RTP egress). Confined to its event loop.
final class EngineDriver: @unchecked Sendable {
    let eventLoop: any EventLoop
    let clock: EngineClock
    /// The armed deadline (`.distantFuture` when none).
    private(set) var deadline = Instant.distantFuture
    private var timer: Scheduled<Void>?
    private var onTimeout: (Instant) -> Void = { _ in }
    private(set) var isStopped = false

    init(eventLoop: any EventLoop, clock: EngineClock = .runtime) {
        self.eventLoop = eventLoop
        self.clock = clock
    }

    /// What to do when the armed deadline passes (feed the engine its timeout, then drain it).
    func onTimeout(_ handler: @escaping (Instant) -> Void) {
        onTimeout = handler
    }

    /// Drains one engine and arms its deadline: `poll` until `deadline(of:)` names an instant,
    /// handing every other output to `perform`. A nil from `poll` (no engine) ends the drain.
    func drainAndArm<Output>(_ poll: () -> Output?, deadline: (Output) -> Instant?, perform: (Output) -> Void) {
        if let next = drain(poll, deadline: deadline, perform: perform) { arm(next) }
    }

    /// Drains one engine without arming (for a driver that runs two engines on one timer and
    /// arms the earlier deadline): returns the deadline the engine named, or nil.
    func drain<Output>(_ poll: () -> Output?, deadline: (Output) -> Instant?, perform: (Output) -> Void) -> Instant? {
        // Bounded: an engine yields its queued outputs and then a deadline.
        for _ in 0..<1_000_000 {
            guard let output = poll() else { return nil }
            if let next = deadline(output) { return next }
            perform(output)
        }
        return nil
    }

    /// Arms the timer for `deadline` (nothing for `.distantFuture`); a no-op when already armed there.
    func arm(_ deadline: Instant) {
        guard !isStopped else { return }
        if deadline == self.deadline, timer != nil || deadline == .distantFuture { return }
        timer?.cancel()
        timer = nil
        self.deadline = deadline
        guard deadline != .distantFuture else { return }
        timer = eventLoop.scheduleTask(deadline: RuntimeClock.deadline(deadline)) { [weak self] in
            guard let self, !self.isStopped else { return }
            self.timer = nil
            self.deadline = .distantFuture
            self.onTimeout(self.clock.now())
        }
    }

    /// Cancels the armed timer (the engine was replaced); the driver can be armed again.
    func cancel() {
        timer?.cancel()
        timer = nil
        deadline = .distantFuture
    }

    /// Cancels the timer; nothing fires any more.
    func stop() {
        isStopped = true
        timer?.cancel()
        timer = nil
        deadline = .distantFuture
        onTimeout = { _ in }
    }
}
