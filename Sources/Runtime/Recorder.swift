import Containers
import Foundation
import Logging
import NIOCore
import NIOPosix
import RTCBase
import Recording
import Routing

/// Records one path to segment files `<root>/<path>/<yyyy-MM-dd_HH-mm-ss>-<n>.<ext>`.
///
/// It reads the path like a viewer (its own bounded `PathReader`, drained on its event loop after
/// each wake), so a slow disk costs the recorder units, never the path or other readers.
/// `RecorderSession` (the muxer and its flush and retry schedule) decides; `RecorderFileSink` writes on a thread
/// pool. A fragment is flushed at least every `flushInterval`, so files play while written.
/// Write errors (disk full, unwritable or missing directory) are logged once per kind of error,
/// counted, and retried with a new segment after a back-off (`retryInterval` doubling up to
/// `maxRetryInterval`); the file that failed is cut back to its last whole fragment. With a
/// `retention` policy, finished segments are deleted at start and after each segment (see
/// `RecorderRetention`), each deletion logged at info with its reason.
public final class Recorder: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var root: String
        public var format: RecordingFormat
        public var segmentDuration: Duration
        public var flushInterval: Duration = .seconds(1)
        public var retryInterval: Duration = .seconds(5)
        public var maxRetryInterval: Duration = .seconds(60)
        /// What is deleted after each segment (`maxBytes=`, `retain=`); nil keeps everything.
        public var retention: RecorderRetention.Policy?
        /// Bytes allowed to wait for the disk before fragments are dropped.
        public var maxPendingBytes = 64 << 20

        public init(root: String, format: RecordingFormat = .mp4, segmentDuration: Duration = RecordSpec.defaultSegmentDuration) {
            self.root = root
            self.format = format
            self.segmentDuration = segmentDuration
        }

        public init(spec: RecordSpec) {
            self.init(root: spec.directory, format: spec.format, segmentDuration: spec.segmentDuration)
            retention = spec.retentionPolicy
        }
    }

    public typealias Stats = RecorderSession.Stats

    public let path: Path
    public let configuration: Configuration
    let eventLoop: any EventLoop
    let logger: Logger
    let clock: EngineClock
    // Event-loop state.
    private var reader: PathReader?
    private var session: RecorderSession
    private let sink: RecorderFileSink
    private let driver: EngineDriver
    /// What happened to the files, in order (for tests and watchers; the newest 64 are kept
    /// when nobody reads them).
    let fileEvents: AsyncStream<RecorderFileEvent>
    private let fileEventsContinuation: AsyncStream<RecorderFileEvent>.Continuation

    /// Throws when the path name cannot be a directory under the root (see `RecorderDirectory`).
    public init(path: Path, configuration: Configuration, eventLoop: any EventLoop,
                threadPool: NIOThreadPool = .singleton, logger: Logger, clock: EngineClock = .runtime) throws(RecordingError) {
        let components = try RecorderDirectory.components(forPathName: path.name)
        guard !configuration.root.isEmpty, !configuration.root.utf8.contains(0) else {
            throw .rootMissing(configuration.root)
        }
        self.path = path
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.logger = logger
        var sessionConfiguration = RecorderSession.Configuration(format: configuration.format, segmentDuration: configuration.segmentDuration)
        sessionConfiguration.flushInterval = configuration.flushInterval
        sessionConfiguration.retryInterval = configuration.retryInterval
        sessionConfiguration.maxRetryInterval = configuration.maxRetryInterval
        self.session = RecorderSession(configuration: sessionConfiguration)
        self.clock = clock
        self.driver = EngineDriver(eventLoop: eventLoop, clock: clock)
        (fileEvents, fileEventsContinuation) = AsyncStream.makeStream(of: RecorderFileEvent.self, bufferingPolicy: .bufferingNewest(64))
        self.sink = RecorderFileSink(root: configuration.root, components: components,
                                     maxPendingBytes: configuration.maxPendingBytes, threadPool: threadPool, eventLoop: eventLoop)
    }

    public func start() async throws {
        try await eventLoop.submit { [self] in
            sink.onEvent = { [weak self] event in
                guard let self else { return }
                fileEventsContinuation.yield(event)
                session.handle(event, now: clock.now())
                pump()
            }
            driver.onTimeout { [weak self] now in
                guard let self else { return }
                if let reader { _ = reader.drain(batches: 1, handleBatch) }   // what waits goes into the fragment
                session.handleTimeout(now: now)
                pump()
            }
            let loop = eventLoop
            reader = try path.addReader { [weak self] in
                let recorder = self
                loop.execute { recorder?.drain() }
            }
            session.start(now: clock.now())
            if let retention = configuration.retention { sink.prune(policy: retention) }
            pump()
        }.get()
        var metadata: Logger.Metadata = ["path": "\(path.name)", "root": "\(configuration.root)",
                                         "format": "\(configuration.format.rawValue)",
                                         "segment": "\(configuration.segmentDuration)"]
        if let maxBytes = configuration.retention?.maxBytes { metadata["maxBytes"] = "\(maxBytes)" }
        if let retain = configuration.retention?.retainSeconds { metadata["retainSeconds"] = "\(retain)" }
        logger.info("recording", metadata: metadata)
    }

    /// Stops reading, finishes the open segment and waits until it is on disk.
    public func stop() async {
        let drained = try? await eventLoop.submit { [self] () -> EventLoopFuture<Void> in
            if let reader {
                _ = reader.drain(batches: 1, handleBatch)
                path.removeReader(reader)
            }
            reader = nil
            session.finish()
            pump()
            driver.stop()
            fileEventsContinuation.finish()
            return sink.drained()
        }.get()
        try? await drained?.get()
    }

    /// Flushes the open fragment now and waits until everything handed to the disk is written.
    public func flushToDisk() async {
        let drained = try? await eventLoop.submit { [self] () -> EventLoopFuture<Void> in
            if let reader { _ = reader.drain(batches: 1, handleBatch) }
            session.flush()
            pump()
            return sink.drained()
        }.get()
        try? await drained?.get()
    }

    public func stats() async -> Stats {
        (try? await eventLoop.submit { [self] in
            var stats = session.stats
            stats.droppedBytes = sink.droppedBytes
            return stats
        }.get()) ?? Stats()
    }

    // MARK: - Event loop

    private func drain() {
        guard let reader else { return }
        if reader.drain(handleBatch) { eventLoop.execute { [weak self] in self?.drain() } }
    }

    /// Feeds one batch of path events to the session.
    private func handleBatch(_ events: [ReaderEvent]) -> Bool {
        for event in events { session.handle(event) }
        pump()
        return true
    }

    /// Performs the session's outputs and arms its next deadline.
    private func pump() {
        driver.drainAndArm({ session.poll() }, deadline: { output in
            if case .timeout(let deadline) = output { deadline } else { nil }
        }, perform: perform)
    }

    private func perform(_ output: RecorderSession.Output) {
        switch output {
        case .openSegment(let segment, let header):
            let time = Self.localTime(Date()), format = configuration.format
            sink.open(fileName: { attempt in RecorderFileName.make(time: time, segment: segment, attempt: attempt, format: format) },
                      header: header)
        case .append(let bytes):
            sink.append(bytes)
        case .finishSegment(let patch):
            sink.finish(patch: patch)
            if let retention = configuration.retention { sink.prune(policy: retention) }
        case .event(.tracksIgnored(let tracks)):
            logger.warning("tracks not recorded in \(configuration.format.rawValue)", metadata: ["path": "\(path.name)", "tracks": "\(tracks)"])
        case .event(.segmentOpened(let file, let resumed)):
            if resumed {
                logger.info("recording resumed", metadata: ["path": "\(path.name)", "file": "\(file)"])
            } else {
                logger.debug("recording segment", metadata: ["path": "\(path.name)", "file": "\(file)"])
            }
        case .event(.writeFailed(let message, let firstReport, let retryIn)):
            guard firstReport else { return }
            logger.error("recording paused: \(message); the stream and other recordings go on, retrying with a new segment",
                         metadata: ["path": "\(path.name)", "retryIn": "\(retryIn)"])
        case .event(.overQuota(let bytes, let maxBytes)):
            logger.warning("recording segment alone is larger than maxBytes; raise maxBytes or shorten segment=",
                           metadata: ["path": "\(path.name)", "bytes": "\(bytes)", "maxBytes": "\(maxBytes)"])
        case .event(.segmentDeleted(let file, let bytes, let reason)):
            let why = reason == .age ? "older than retain" : "over maxBytes"
            logger.info("recording segment deleted (\(why))",
                        metadata: ["path": "\(path.name)", "file": "\(file)", "bytes": "\(bytes)", "reason": "\(reason.rawValue)"])
        case .requestKeyframe:
            path.requestKeyframe()
        case .timeout:
            break
        }
    }

    /// The wall clock in local time, for file names.
    static func localTime(_ date: Date) -> RecorderFileName.LocalTime {
        let c = Calendar.current.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return RecorderFileName.LocalTime(year: c.year ?? 1970, month: c.month ?? 1, day: c.day ?? 1,
                                          hour: c.hour ?? 0, minute: c.minute ?? 0, second: c.second ?? 0)
    }
}
