import RTCBase
import Synchronization

/// A manually advanced monotonic clock for deterministic tests: time moves only when a test calls
/// `advance(by:)` or `set(to:)`. Thread-safe, so engines on other threads may read it.
public final class VirtualClock: Sendable {
    private let current: Mutex<Instant>

    /// Starts at `start` (one second past zero by default, so "before start" is representable).
    public init(start: Instant = Instant(nanoseconds: 1_000_000_000)) {
        current = Mutex(start)
    }

    /// The current virtual time.
    public var now: Instant { current.withLock { $0 } }

    /// Moves time forward by `duration` (a negative duration is ignored: the clock is monotonic).
    public func advance(by duration: Duration) {
        guard duration > .zero else { return }
        current.withLock { $0 = $0 + duration }
    }

    /// Moves time forward to `instant`; an earlier instant is ignored (the clock is monotonic).
    public func set(to instant: Instant) {
        current.withLock { $0 = max($0, instant) }
    }

    /// A closure reading this clock, for APIs that take `@Sendable () -> Instant`.
    public var source: @Sendable () -> Instant { { [self] in self.now } }
}
