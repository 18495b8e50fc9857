import RTCBase

/// When an RTSP source connects, gives up, retries and watches its stream, sans-IO: attempts and
/// reconnections with `RTSPSourceBackoff`, the on-demand policy (connect on the first reader or a
/// demand, disconnect `closeAfter` after the last reader left), and the playing watchdog (UDP →
/// TCP fallback when no UDP media arrives, dead stream, receiver report schedule). The runtime
/// owns the connection, the `RTSPClientSession` and the sockets, tells this machine what happened
/// to them and performs its outputs; it wakes the machine at the instant `poll()` names.
public struct RTSPSourceStateMachine {
    public struct Timing: Sendable, Equatable {
        /// Automatic transport: switch to TCP when no UDP media arrived this long after PLAY.
        public var udpMediaTimeout: Duration = .seconds(3)
        /// No media for this long while playing: the stream is dead, reconnect.
        public var deadStreamTimeout: Duration = .seconds(5)
        /// RTCP receiver report interval.
        public var reportInterval: Duration = .seconds(5)
        /// A stream that played this long resets the backoff.
        public var backoffResetAfter: Duration = .seconds(10)
        /// How long a demand waits for the source to publish.
        public var demandTimeout: Duration = .seconds(10)
        public init() {}
    }

    public enum Output: Sendable, Equatable {
        /// Start attempt number `attempt`: a new client session on a new connection.
        case connect(attempt: Int)
        /// End the attempt: close the connection, the media sockets and detach the publisher;
        /// TEARDOWN first when `teardown` (a deliberate close, not a failure).
        case disconnect(teardown: Bool)
        /// No UDP media arrived: tell the client session (it switches to TCP or fails).
        case reportNoUDPMedia
        case sendReceiverReports
        case event(Event)
        case timeout(Instant)
    }

    public enum Event: Sendable, Equatable {
        case connecting(attempt: Int)
        /// The attempt failed; the next one follows in `retryIn` (nil: no retry, e.g. on demand
        /// without readers).
        case failed(reason: String, attempt: Int, retryIn: Duration?)
        case connectingOnDemand(reason: DemandReason)
        /// `closeAfter` passed without readers: disconnected.
        case idleDisconnected
        case noUDPMedia(after: Duration)
    }

    public enum DemandReason: Sendable, Equatable { case firstReader, viewerArriving }

    public let onDemand: Bool
    public let closeAfter: Duration
    public var timing: Timing
    public private(set) var backoff = RTSPSourceBackoff()
    var random: any RandomNumberGenerator
    public private(set) var attempts = 0
    /// An attempt runs (between `.connect` and its end).
    public private(set) var isAttempting = false
    var retryAt: Instant?
    var idleCloseAt: Instant?
    public private(set) var readers = 0
    var stopped = false
    // Playing watchdog.
    public private(set) var playingSince: Instant?
    var usesTCP = false
    var udpMediaSeen = false
    var udpFallbackReported = false
    var lastMediaAt = Instant.zero
    var lastReportAt = Instant.zero
    var outputs = OutputQueue<Output>()

    public init(onDemand: Bool, closeAfter: Duration, timing: Timing = Timing(),
                random: any RandomNumberGenerator = SystemRandomNumberGenerator()) {
        self.onDemand = onDemand
        self.closeAfter = closeAfter
        self.timing = timing
        self.random = random
    }

    /// Whether an attempt runs or a retry is scheduled.
    public var isActive: Bool { isAttempting || retryAt != nil }

    // MARK: - Inputs

    /// Connects now unless on demand (then the first reader or demand connects).
    public mutating func start(now: Instant) {
        guard !onDemand else { return }
        connect()
    }

    /// Deliberate stop: TEARDOWN, nothing follows.
    public mutating func stop() {
        guard !stopped else { return }
        stopped = true
        retryAt = nil
        idleCloseAt = nil
        endAttempt(teardown: true)
    }

    /// The path's reader count changed: connect on the first reader, disconnect `closeAfter`
    /// after the last one left.
    public mutating func readersChanged(_ count: Int, now: Instant) {
        readers = count
        guard onDemand, !stopped else { return }
        if count > 0 {
            idleCloseAt = nil
            if !isActive { connectOnDemand(.firstReader) }
        } else if isActive, idleCloseAt == nil {
            idleCloseAt = now + closeAfter
        }
    }

    /// A viewer is about to join: connect now, closing again after `closeAfter` if no reader comes.
    public mutating func demand(now: Instant) {
        guard !stopped else { return }
        if !isActive { connectOnDemand(.viewerArriving) }
        if readers == 0 { idleCloseAt = now + closeAfter }
    }

    /// The attempt failed (connection refused or lost, bad answer, no usable track, dead stream):
    /// drop it and schedule the next one.
    public mutating func attemptFailed(_ reason: String, now: Instant) {
        guard isAttempting || playingSince != nil else { return }
        if let since = playingSince, now - since >= timing.backoffResetAfter { backoff.reset() }
        endAttempt(teardown: false)
        guard !stopped, !onDemand || readers > 0 || idleCloseAt != nil else {
            outputs.append(.event(.failed(reason: reason, attempt: attempts, retryIn: nil)))
            return
        }
        let delay = backoff.nextDelay(using: &random)
        retryAt = now + delay
        outputs.append(.event(.failed(reason: reason, attempt: attempts, retryIn: delay)))
    }

    /// The client session ended by itself (TEARDOWN answered, server closed cleanly): no retry.
    public mutating func sessionClosed() {
        endAttempt(teardown: true)
    }

    /// PLAY answered: start the watchdog.
    public mutating func playing(now: Instant, usesTCP: Bool) {
        guard isAttempting else { return }
        playingSince = now
        lastMediaAt = now
        lastReportAt = now
        udpMediaSeen = false
        udpFallbackReported = false
        self.usesTCP = usesTCP
    }

    /// The session reconnects by itself (redirect, switch to TCP): the media of the old
    /// connection is gone, the watchdog waits for the next PLAY.
    public mutating func reconnecting() {
        playingSince = nil
    }

    /// An RTP packet of the stream was accepted (`overUDP`: on a UDP socket).
    public mutating func mediaReceived(now: Instant, overUDP: Bool) {
        lastMediaAt = now
        if overUDP { udpMediaSeen = true }
    }

    public mutating func handleTimeout(now: Instant) {
        guard !stopped else { return }
        if let retryAt, retryAt <= now {
            self.retryAt = nil
            connect()
        }
        if let idleCloseAt, idleCloseAt <= now {
            self.idleCloseAt = nil
            if readers == 0, isActive {
                retryAt = nil
                endAttempt(teardown: true)
                outputs.append(.event(.idleDisconnected))
            }
        }
        guard let since = playingSince, isAttempting else { return }
        if !usesTCP, !udpMediaSeen, !udpFallbackReported, now - since >= timing.udpMediaTimeout {
            udpFallbackReported = true
            outputs.append(.event(.noUDPMedia(after: timing.udpMediaTimeout)))
            outputs.append(.reportNoUDPMedia)
            return
        }
        if now - lastMediaAt >= timing.deadStreamTimeout {
            attemptFailed("no media for \(Self.seconds(now - lastMediaAt)) s (dead stream)", now: now)
            return
        }
        if now - lastReportAt >= timing.reportInterval {
            lastReportAt = now
            outputs.append(.sendReceiverReports)
        }
    }

    public mutating func poll() -> Output {
        if let output = outputs.popFirst() { return output }
        return .timeout(nextDeadline)
    }

    /// The earliest of the retry, the idle close and the watchdog's deadlines.
    var nextDeadline: Instant {
        var deadlines = [retryAt, idleCloseAt].compactMap { $0 }
        if let since = playingSince, isAttempting {
            if !usesTCP, !udpMediaSeen, !udpFallbackReported { deadlines.append(since + timing.udpMediaTimeout) }
            deadlines.append(lastMediaAt + timing.deadStreamTimeout)
            deadlines.append(lastReportAt + timing.reportInterval)
        }
        return deadlines.min() ?? .distantFuture
    }

    // MARK: - Helpers

    mutating func connectOnDemand(_ reason: DemandReason) {
        outputs.append(.event(.connectingOnDemand(reason: reason)))
        backoff.reset()
        connect()
    }

    mutating func connect() {
        guard !stopped, !isAttempting else { return }
        retryAt = nil
        attempts += 1
        isAttempting = true
        outputs.append(.event(.connecting(attempt: attempts)))
        outputs.append(.connect(attempt: attempts))
    }

    mutating func endAttempt(teardown: Bool) {
        playingSince = nil
        guard isAttempting else { return }
        isAttempting = false
        outputs.append(.disconnect(teardown: teardown))
    }

    /// Tenths of seconds, for messages.
    public static func seconds(_ duration: Duration) -> String {
        let tenths = (duration.nanosecondsClamped + 50_000_000) / 100_000_000
        return "\(tenths / 10).\(tenths % 10)"
    }
}
