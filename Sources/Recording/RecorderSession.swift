import RTCBase
import Routing

/// What happened to a file job, reported back by the runtime's file sink.
public enum RecorderFileEvent: Sendable, Equatable {
    case opened(String)
    case finished(String)
    case failed(RecordingError)
    /// A finished segment was deleted by the retention policy.
    case deleted(String, bytes: Int64, reason: RecorderRetention.Reason)
    /// A retention pass left the directory over `maxBytes`: the segment being written alone is larger.
    case overQuota(bytes: Int64, maxBytes: Int64)
}

/// One path's recording, sans-IO: reader events go to the `RecorderMuxer`, whose segments become
/// file jobs for the runtime (open a named file with a header, append, finish); a fragment is
/// flushed every `flushInterval`; a write error is counted, reported once per kind (the operation
/// and errno, whichever file it hit) until a segment opens again, and answered with a new segment
/// after a back-off: `retryInterval`, doubled after each failed retry up to `maxRetryInterval`.
/// The runtime reads the path and the clocks, writes the files and feeds back what happened to them.
public struct RecorderSession {
    public struct Configuration: Sendable, Equatable {
        public var format: RecordingFormat
        public var segmentDuration: Duration
        public var flushInterval: Duration = .seconds(1)
        public var retryInterval: Duration = .seconds(5)
        /// The back-off after repeated failures grows up to this.
        public var maxRetryInterval: Duration = .seconds(60)
        /// Puts lossy sources' packets back in order before they are muxed, waiting a bounded
        /// time for retransmissions (`MediaUnitReorderer`); nil muxes units as they come.
        public var reorder: MediaUnitReorderer.Configuration? = MediaUnitReorderer.Configuration()
        public init(format: RecordingFormat, segmentDuration: Duration) {
            self.format = format
            self.segmentDuration = segmentDuration
        }
    }

    public struct Stats: Sendable, Equatable {
        /// Files created (opened successfully).
        public var filesOpened = 0
        /// Files completed and closed.
        public var filesFinished = 0
        public var writeErrors = 0
        public var lastError: String?
        /// Finished segments the retention policy deleted, and their bytes.
        public var filesDeleted = 0
        public var bytesDeleted: Int64 = 0
        /// Bytes dropped because the disk could not keep up (counted by the runtime's sink).
        public var droppedBytes = 0
        /// Units received before a segment could start (waiting for a keyframe) or not recordable.
        public var unitsSkipped = 0
        public var muxErrors = 0
        /// Media units from the path (recorded = received − skipped) and the bytes the muxer
        /// produced for the files, headers included (what reached the disk is this − `droppedBytes`).
        public var unitsReceived = 0
        public var bytesMuxed = 0
        /// Keyframes asked of the path's publisher because video was lost beyond repair.
        public var keyframeRequests = 0
        /// The ordering stage: packets given up on (lost), arrived too late, and put back in order.
        public var packetsLost = 0
        public var packetsLate = 0
        public var packetsReordered = 0
        /// Paths of the files opened, oldest first (the last `maxListedFiles`).
        public var files: [String] = []
        public init() {}
    }

    public enum Event: Sendable, Equatable {
        /// The tracks the format cannot carry changed (reported when the publisher's tracks arrive).
        case tracksIgnored([String])
        case segmentOpened(file: String, resumed: Bool)
        /// A write failed; `firstReport` is false while the same kind of error repeats; the next
        /// segment is tried `retryIn` later.
        case writeFailed(String, firstReport: Bool, retryIn: Duration)
        case segmentDeleted(file: String, bytes: Int64, reason: RecorderRetention.Reason)
        /// The segment being written alone exceeds `maxBytes` (reported once per recorder).
        case overQuota(bytes: Int64, maxBytes: Int64)
    }

    public enum Output: Sendable {
        /// Create segment file number `segment` (named by `RecorderFileName` at the current local
        /// time) and write `header`.
        case openSegment(segment: Int, header: [UInt8])
        case append([UInt8])
        case finishSegment(patch: RecorderPatch?)
        case event(Event)
        /// Ask the path's publisher for a keyframe (the path rate-limits what reaches it).
        case requestKeyframe
        case timeout(Instant)
    }

    public let configuration: Configuration
    public var maxListedFiles = 100
    var muxer: RecorderMuxer
    var counters = Stats()
    var nextFlush: Instant?
    var retryAt: Instant?
    var reportedError: String?
    /// The back-off before the next retry (grows while retries fail, reset by an opened segment).
    var retryDelay: Duration
    var reportedIgnoredTracks: [String] = []
    var reportedOverQuota = false
    /// A keyframe was asked for since the muxer started waiting for one, and since the last
    /// flush (a wait that lasts is asked again at a flush with no request in its interval).
    var keyframeRequested = false
    var keyframeRequestedThisInterval = false
    var finished = false
    var outputs = OutputQueue<Output>()
    var reorderer: MediaUnitReorderer?
    /// The latest instant seen (unit arrivals, timeouts), for releases without one.
    var latest = Instant.zero

    public init(configuration: Configuration) {
        self.configuration = configuration
        reorderer = configuration.reorder.map { MediaUnitReorderer(configuration: $0) }
        self.muxer = RecorderMuxer(format: configuration.format, segmentDuration: configuration.segmentDuration)
        self.retryDelay = configuration.retryInterval
    }

    public var stats: Stats {
        var stats = counters
        stats.unitsSkipped = muxer.unitsSkipped
        stats.muxErrors = muxer.muxErrors
        if let counters = reorderer?.counters {
            stats.packetsLost = counters.lost
            stats.packetsLate = counters.late
            stats.packetsReordered = counters.reordered
        }
        return stats
    }

    /// Starts the flush schedule at `now`.
    public mutating func start(now: Instant) {
        guard nextFlush == nil, !finished else { return }
        nextFlush = now + configuration.flushInterval
    }

    /// One reader event.
    public mutating func handle(_ event: ReaderEvent) {
        guard !finished else { return }
        switch event {
        case .unit(let unit):
            counters.unitsReceived += 1
            latest = max(latest, unit.arrival)
            guard reorderer != nil else { break }
            // Units carry their arrival on the runtime's clock: the ordering stage runs on it.
            mux(reorderer?.insert(unit, now: unit.arrival) ?? [])
            return
        case .tracks(let tracks, _):
            mux(reorderer?.setTracks(tracks, now: latest) ?? [])
        case .sourceEnded, .pathClosed:
            mux(reorderer?.releaseAll(now: latest) ?? [])
        }
        apply(muxer.handle(event))
        askForKeyframeIfWaiting()
        if case .tracks = event, muxer.ignoredTracks != reportedIgnoredTracks {
            reportedIgnoredTracks = muxer.ignoredTracks
            if !reportedIgnoredTracks.isEmpty { outputs.append(.event(.tracksIgnored(reportedIgnoredTracks))) }
        }
    }

    /// What the file sink reports.
    public mutating func handle(_ event: RecorderFileEvent, now: Instant) {
        switch event {
        case .opened(let file):
            counters.filesOpened += 1
            counters.files.append(file)
            if counters.files.count > maxListedFiles { counters.files.removeFirst(counters.files.count - maxListedFiles) }
            outputs.append(.event(.segmentOpened(file: file, resumed: reportedError != nil)))
            reportedError = nil
            retryDelay = configuration.retryInterval
        case .finished:
            counters.filesFinished += 1
        case .deleted(let file, let bytes, let reason):
            counters.filesDeleted += 1
            counters.bytesDeleted += bytes
            outputs.append(.event(.segmentDeleted(file: file, bytes: bytes, reason: reason)))
        case .overQuota(let bytes, let maxBytes):
            guard !reportedOverQuota else { return }
            reportedOverQuota = true
            outputs.append(.event(.overQuota(bytes: bytes, maxBytes: maxBytes)))
        case .failed(let error):
            counters.writeErrors += 1
            counters.lastError = error.description
            if retryAt == nil, !finished {
                retryAt = now + retryDelay
                retryDelay = min(retryDelay * 2, max(configuration.maxRetryInterval, configuration.retryInterval))
            }
            let kind = Self.kind(of: error)
            let retryIn = retryAt.map { $0 < now ? .zero : $0 - now } ?? .zero
            outputs.append(.event(.writeFailed(error.description, firstReport: kind != reportedError, retryIn: retryIn)))
            reportedError = kind
        }
    }

    /// Flushes a fragment when due (the runtime first hands over what its reader holds), and asks
    /// the muxer for a new segment when a retry is due.
    public mutating func handleTimeout(now: Instant) {
        guard !finished else { return }
        latest = max(latest, now)
        if let deadline = reorderer?.nextDeadline, deadline <= now { mux(reorderer?.releaseDue(now: now) ?? []) }
        if let retryAt, retryAt <= now {
            self.retryAt = nil
            muxer.newSegmentRequested = true
        }
        if let due = nextFlush, due <= now {
            flush()
            // The last request, or the keyframe answering it, may have been lost.
            if muxer.awaitsKeyframe, !keyframeRequestedThisInterval { requestKeyframe() }
            keyframeRequestedThisInterval = false
            var next = due + configuration.flushInterval
            if next <= now { next = now + configuration.flushInterval }   // woken late: no burst of flushes
            nextFlush = next
        }
    }

    /// Video lost beyond repair holds the recording's frames back until a keyframe: ask once when
    /// the wait starts (and again at each flush while it lasts).
    mutating func askForKeyframeIfWaiting() {
        if muxer.awaitsKeyframe {
            if !keyframeRequested { requestKeyframe() }
        } else {
            keyframeRequested = false
        }
    }

    mutating func requestKeyframe() {
        keyframeRequested = true
        keyframeRequestedThisInterval = true
        counters.keyframeRequests += 1
        outputs.append(.requestKeyframe)
    }

    /// Flushes a fragment now (the schedule goes on).
    public mutating func flush() {
        guard !finished else { return }
        apply(muxer.flush())
    }

    /// Finishes the open segment; nothing follows.
    public mutating func finish() {
        guard !finished else { return }
        mux(reorderer?.releaseAll(now: latest) ?? [])
        finished = true
        nextFlush = nil
        retryAt = nil
        apply(muxer.finishSegment())
    }

    /// What makes two errors "the same" for reporting: the operation and errno of a system call
    /// (each retry names a new file), the whole message otherwise.
    static func kind(of error: RecordingError) -> String {
        if case .system(let operation, _, let code) = error { return "\(operation) errno \(code)" }
        return error.description
    }

    public mutating func poll() -> Output {
        if let output = outputs.popFirst() { return output }
        return .timeout([nextFlush, retryAt, reorderer?.nextDeadline].compactMap { $0 }.min() ?? .distantFuture)
    }

    /// Units out of the ordering stage, to the muxer.
    mutating func mux(_ units: [MediaUnit]) {
        for unit in units { apply(muxer.handle(.unit(unit))) }
        askForKeyframeIfWaiting()
    }

    mutating func apply(_ muxed: [RecorderOutput]) {
        for output in muxed {
            switch output {
            case .startSegment(let index, let header):
                counters.bytesMuxed += header.count
                outputs.append(.openSegment(segment: index, header: header))
            case .append(let bytes):
                counters.bytesMuxed += bytes.count
                outputs.append(.append(bytes))
            case .finishSegment(let patch):
                outputs.append(.finishSegment(patch: patch))
            }
        }
    }
}

/// Segment file names: `<yyyy-MM-dd_HH-mm-ss>-<n>.<ext>` in the recorder's local time.
public enum RecorderFileName {
    /// A local calendar time (the runtime reads the clock and the time zone).
    public struct LocalTime: Sendable, Equatable {
        public var year, month, day, hour, minute, second: Int
        public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
            (self.year, self.month, self.day, self.hour, self.minute, self.second) = (year, month, day, hour, minute, second)
        }
    }

    /// The name of segment `segment`; `attempt` > 0 when the names before were taken (numbers go on).
    public static func make(time: LocalTime, segment: Int, attempt: Int = 0, format: RecordingFormat) -> String {
        func two(_ value: Int) -> String { value < 10 && value >= 0 ? "0\(value)" : "\(value)" }
        let year = String(repeating: "0", count: max(0, 4 - "\(time.year)".count)) + "\(time.year)"
        return "\(year)-\(two(time.month))-\(two(time.day))_\(two(time.hour))-\(two(time.minute))-\(two(time.second))"
            + "-\(segment + attempt).\(format.fileExtension)"
    }
}
