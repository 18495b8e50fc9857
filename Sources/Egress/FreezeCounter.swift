import RTCBase

/// Freezes of the video one viewer is sent, counted on the sending side the way the WebRTC
/// statistics count them on the receiving side (W3C webrtc-stats `freezeCount`,
/// `totalFreezesDuration`): a freeze is a gap between two frames of at least
/// max(3 × the average frame interval, the average + 150 ms), the average taken over the last 30
/// intervals; its duration is the whole gap. Also the time spent waiting for a keyframe (video
/// units skipped because the viewer's stream restarts on one). Sans-IO: the caller passes the time.
///
/// Only while the path is live: `sourceEnded` closes what is open and forgets the frame rate, so
/// the time without a publisher is neither a freeze nor a keyframe wait. A gap still open counts
/// at `statistics(at:)` already (a stalled stream shows at the next scrape, not only when it
/// recovers); the totals never go back, because closing that gap later adds the same freeze.
public struct FreezeCounter: Sendable {
    public struct Statistics: Sendable, Equatable {
        public var freezes = 0
        public var frozen: Duration = .zero
        /// Time spent waiting for a keyframe (at the start, after a source restart or a queue overflow).
        public var keyframeWaiting: Duration = .zero
        public init(freezes: Int = 0, frozen: Duration = .zero, keyframeWaiting: Duration = .zero) {
            self.freezes = freezes
            self.frozen = frozen
            self.keyframeWaiting = keyframeWaiting
        }
    }

    /// Intervals in the average (webrtc-stats: the last 30 rendered frames).
    public static let window = 30
    /// The least a gap must exceed the average by to be a freeze.
    public static let minimumIncrease: Duration = .milliseconds(150)

    private var intervals: [Duration] = []
    private var nextInterval = 0
    private var intervalSum: Duration = .zero
    private var lastFrame: Instant?
    private var waitingSince: Instant?
    private var totals = Statistics()

    public init() {}

    /// The gap from which on a freeze is counted; nil before the first interval.
    public var threshold: Duration? {
        guard !intervals.isEmpty else { return nil }
        let average = intervalSum / intervals.count
        return max(average * 3, average + Self.minimumIncrease)
    }

    /// A video frame left for the viewer at `now`.
    public mutating func frameSent(at now: Instant) {
        closeKeyframeWait(at: now)
        guard let last = lastFrame else {
            lastFrame = now
            return
        }
        guard now >= last else { return }   // an earlier time than the last frame's: not an interval
        let gap = now - last
        if let threshold, gap >= threshold {
            totals.freezes += 1
            totals.frozen += gap
        }
        if intervals.count < Self.window {
            intervals.append(gap)
        } else {
            intervalSum -= intervals[nextInterval]
            intervals[nextInterval] = gap
            nextInterval = (nextInterval + 1) % Self.window
        }
        intervalSum += gap
        lastFrame = now
    }

    /// A video unit was held back at `now` because the viewer's stream waits for a keyframe.
    public mutating func keyframeAwaited(at now: Instant) {
        if waitingSince == nil { waitingSince = now }
    }

    /// The publisher left at `now`: close an open freeze and keyframe wait, and start afresh (the
    /// next source may have another frame rate).
    public mutating func sourceEnded(at now: Instant) {
        totals = statistics(at: now)
        waitingSince = nil
        lastFrame = nil
        intervals.removeAll(keepingCapacity: true)
        nextInterval = 0
        intervalSum = .zero
    }

    /// The totals at `now`, a freeze or keyframe wait still open included.
    public func statistics(at now: Instant) -> Statistics {
        var result = totals
        if let last = lastFrame, let threshold, now - last >= threshold {
            result.freezes += 1
            result.frozen += now - last
        }
        if let waitingSince { result.keyframeWaiting += max(now - waitingSince, .zero) }
        return result
    }

    private mutating func closeKeyframeWait(at now: Instant) {
        guard let since = waitingSince else { return }
        totals.keyframeWaiting += max(now - since, .zero)
        waitingSince = nil
    }
}
