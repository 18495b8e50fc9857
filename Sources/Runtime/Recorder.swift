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
/// `RecorderMuxer` turns events into container bytes; `RecorderFileSink` writes them on a thread
/// pool. A fragment is flushed at least every `flushInterval`, so files play while written.
/// Write errors (disk full, unwritable or missing directory) are logged once per distinct error,
/// counted, and retried with a new segment after `retryInterval`.
public final class Recorder: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var root: String
        public var format: RecordingFormat
        public var segmentDuration: Duration
        public var flushInterval: Duration = .seconds(1)
        public var retryInterval: Duration = .seconds(5)
        /// Bytes allowed to wait for the disk before fragments are dropped.
        public var maxPendingBytes = 64 << 20

        public init(root: String, format: RecordingFormat = .mp4, segmentDuration: Duration = RecordSpec.defaultSegmentDuration) {
            self.root = root
            self.format = format
            self.segmentDuration = segmentDuration
        }

        public init(spec: RecordSpec) {
            self.init(root: spec.directory, format: spec.format, segmentDuration: spec.segmentDuration)
        }
    }

    public struct Stats: Sendable, Equatable {
        /// Files created (opened successfully).
        public var filesOpened = 0
        /// Files completed and closed.
        public var filesFinished = 0
        public var writeErrors = 0
        public var lastError: String?
        /// Bytes dropped because the disk could not keep up.
        public var droppedBytes = 0
        /// Units received before a segment could start (waiting for a keyframe) or not recordable.
        public var unitsSkipped = 0
        public var muxErrors = 0
        /// Paths of the files opened, oldest first (the last 100).
        public var files: [String] = []
    }

    public let path: Path
    public let configuration: Configuration
    let eventLoop: any EventLoop
    let logger: Logger
    // Event-loop state.
    private var reader: PathReader?
    private var muxer: RecorderMuxer
    private let sink: RecorderFileSink
    private var flushTask: RepeatedTask?
    private var retryScheduled = false
    private var reportedError: String?
    private var reportedIgnoredTracks: [String] = []
    private var counters = Stats()

    /// Throws when the path name cannot be a directory under the root (see `RecorderDirectory`).
    public init(path: Path, configuration: Configuration, eventLoop: any EventLoop,
                threadPool: NIOThreadPool = .singleton, logger: Logger) throws(RecordingError) {
        let components = try RecorderDirectory.components(forPathName: path.name)
        guard !configuration.root.isEmpty, !configuration.root.utf8.contains(0) else {
            throw .rootMissing(configuration.root)
        }
        self.path = path
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.logger = logger
        self.muxer = RecorderMuxer(format: configuration.format, segmentDuration: configuration.segmentDuration)
        self.sink = RecorderFileSink(root: configuration.root, components: components,
                                     maxPendingBytes: configuration.maxPendingBytes, threadPool: threadPool, eventLoop: eventLoop)
    }

    public func start() async throws {
        try await eventLoop.submit { [self] in
            sink.onEvent = { [weak self] event in self?.handle(event) }
            let loop = eventLoop
            reader = try path.addReader { [weak self] in
                let recorder = self
                loop.execute { recorder?.drain() }
            }
            let interval = TimeAmount.nanoseconds(configuration.flushInterval.nanosecondsClamped)
            flushTask = eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] _ in
                self?.flush()
            }
        }.get()
        logger.info("recording", metadata: ["path": "\(path.name)", "root": "\(configuration.root)",
                                            "format": "\(configuration.format.rawValue)",
                                            "segment": "\(configuration.segmentDuration)"])
    }

    /// Stops reading, finishes the open segment and waits until it is on disk.
    public func stop() async {
        let drained = try? await eventLoop.submit { [self] () -> EventLoopFuture<Void> in
            flushTask?.cancel()
            flushTask = nil
            if let reader {
                _ = reader.drain(batches: 1, handleBatch)
                path.removeReader(reader)
            }
            reader = nil
            apply(muxer.finishSegment())
            return sink.drained()
        }.get()
        try? await drained?.get()
    }

    public func stats() async -> Stats {
        (try? await eventLoop.submit { [self] in currentStats() }.get()) ?? Stats()
    }

    // MARK: - Event loop

    private func currentStats() -> Stats {
        var stats = counters
        stats.droppedBytes = sink.droppedBytes
        stats.unitsSkipped = muxer.unitsSkipped
        stats.muxErrors = muxer.muxErrors
        return stats
    }

    private func drain() {
        guard let reader else { return }
        if reader.drain(handleBatch) { eventLoop.execute { [weak self] in self?.drain() } }
    }

    /// Feeds one batch of path events to the muxer.
    private func handleBatch(_ events: [ReaderEvent]) -> Bool {
        for event in events {
            apply(muxer.handle(event))
            if case .tracks = event, muxer.ignoredTracks != reportedIgnoredTracks {
                reportedIgnoredTracks = muxer.ignoredTracks
                if !reportedIgnoredTracks.isEmpty {
                    logger.warning("tracks not recorded in \(configuration.format.rawValue)",
                                   metadata: ["path": "\(path.name)", "tracks": "\(reportedIgnoredTracks)"])
                }
            }
        }
        return true
    }

    private func flush() {
        if let reader { _ = reader.drain(batches: 1, handleBatch) }
        apply(muxer.flush())
    }

    private func apply(_ outputs: [RecorderOutput]) {
        for output in outputs {
            switch output {
            case .startSegment(let index, let header):
                let stamp = Self.timestamp(Date())
                let ext = configuration.format.fileExtension
                sink.open(fileName: { attempt in "\(stamp)-\(index + attempt).\(ext)" }, header: header)
            case .append(let bytes):
                sink.append(bytes)
            case .finishSegment(let patch):
                sink.finish(patch: patch)
            }
        }
    }

    private func handle(_ event: RecorderFileEvent) {
        switch event {
        case .opened(let file):
            counters.filesOpened += 1
            counters.files.append(file)
            if counters.files.count > 100 { counters.files.removeFirst() }
            if reportedError != nil {
                logger.info("recording resumed", metadata: ["path": "\(path.name)", "file": "\(file)"])
                reportedError = nil
            } else {
                logger.debug("recording segment", metadata: ["path": "\(path.name)", "file": "\(file)"])
            }
        case .finished:
            counters.filesFinished += 1
        case .failed(let error):
            counters.writeErrors += 1
            let message = error.description
            counters.lastError = message
            if message != reportedError {
                reportedError = message
                logger.error("recording failed: \(message); the stream goes on, retrying with a new segment",
                             metadata: ["path": "\(path.name)", "retry": "\(configuration.retryInterval)"])
            }
            scheduleRetry()
        }
    }

    private func scheduleRetry() {
        guard !retryScheduled else { return }
        retryScheduled = true
        let delay = TimeAmount.nanoseconds(configuration.retryInterval.nanosecondsClamped)
        eventLoop.scheduleTask(in: delay) { [weak self] in
            guard let self else { return }
            retryScheduled = false
            muxer.newSegmentRequested = true
        }
    }

    /// Local time as yyyy-MM-dd_HH-mm-ss.
    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd_HH-mm-ss"
        return formatter.string(from: date)
    }
}
