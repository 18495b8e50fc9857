#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix
import Recording
import Synchronization

/// Blocking file IO for one recorder, run on a thread pool and never on the event loop. Jobs run
/// one after another in submission order (each waits for the previous one's future); the bytes
/// waiting for the disk are bounded, and what does not fit is dropped and counted instead of
/// holding up the path. Writes go straight to the kernel with write(2) (no fsync), so a file is
/// readable up to its last fragment while it is being written.
///
/// A segment counts as opened (`.opened`) once its first media after the header is on disk; a
/// file that ends before that (its header or first fragment failed, or it finished empty) holds
/// nothing to play and is removed. A failed write (ENOSPC, EIO) truncates the file back to where
/// that write began, so it ends on a whole fragment and stays playable, and closes it; the
/// segment's remaining writes are skipped until the next segment opens. So a full disk leaves
/// one playable file per episode, and retries that fail again leave nothing behind.
/// `prune(policy:)` deletes finished segments as `RecorderRetention` decides, only by name inside
/// the opened (never symbolic-link) path directory.
final class RecorderFileSink: @unchecked Sendable {
    struct FileState {
        var descriptor: Int32 = -1
        /// The path directory the file was created in (kept open to remove the file by name).
        var directory: Int32 = -1
        var path = ""
        var name = ""
        /// Bytes written so far (where the next write begins).
        var length = 0
        /// Media after the header reached the disk (and `.opened` was reported).
        var hasMedia = false

        /// Closes the file (removing it when it holds no media) and its directory.
        mutating func release() {
            guard descriptor >= 0 else { return }
            close(descriptor)
            if !hasMedia { unlinkat(directory, name, 0) }
            close(directory)
            self = FileState()
        }
    }

    /// Directory entries looked at per retention pass at most (in a fuller directory a pass sees
    /// only that many, in the kernel's order, and deletes among those).
    static let maxListedEntries = 100_000

    let root: String
    let components: [String]
    let maxPendingBytes: Int
    private let threadPool: NIOThreadPool
    private let eventLoop: any EventLoop
    /// Touched only by pool jobs, which never overlap; the mutex makes that explicit.
    private let file = Mutex(FileState())
    // Event-loop state.
    private var tail: EventLoopFuture<Void>
    private(set) var pendingBytes = 0
    private(set) var droppedBytes = 0
    var onEvent: (RecorderFileEvent) -> Void = { _ in }

    init(root: String, components: [String], maxPendingBytes: Int, threadPool: NIOThreadPool, eventLoop: any EventLoop) {
        self.root = root
        self.components = components
        self.maxPendingBytes = maxPendingBytes
        self.threadPool = threadPool
        self.eventLoop = eventLoop
        self.tail = eventLoop.makeSucceededVoidFuture()
    }

    /// Creates the directory and a new file named by `fileName(attempt)` (attempts go on while the
    /// name exists), and writes `header`. An open file left over is closed first.
    func open(fileName: @escaping @Sendable (Int) -> String, header: [UInt8]) {
        let root = root, components = components
        enqueue(bytes: header.count) { [self] () -> RecorderFileEvent? in
            _ = closeFile(patch: nil)
            do throws(RecordingError) {
                let directory = try RecorderDirectory.openDirectory(root: root, components: components)
                var descriptor: Int32 = -1
                var name = ""
                for attempt in 0..<100 {
                    name = fileName(attempt)
                    descriptor = openat(directory, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
                    if descriptor >= 0 || errno != EEXIST { break }
                }
                let path = ([root] + components + [name]).joined(separator: "/")
                guard descriptor >= 0 else {
                    let code = errno
                    close(directory)
                    throw .system(operation: "create", path: path, errno: code)
                }
                file.withLock { $0 = FileState(descriptor: descriptor, directory: directory, path: path, name: name) }
                return writeAll(header, isMedia: false)
            } catch {
                return .failed(error)
            }
        }
    }

    /// Appends to the open file; returns false when the bytes were dropped (too much waiting).
    @discardableResult
    func append(_ bytes: [UInt8]) -> Bool {
        guard pendingBytes + bytes.count <= maxPendingBytes else {
            droppedBytes += bytes.count
            return false
        }
        enqueue(bytes: bytes.count) { [self] in writeAll(bytes, isMedia: true) }
        return true
    }

    /// Patches and closes the open file.
    func finish(patch: RecorderPatch?) {
        enqueue(bytes: 0) { [self] in closeFile(patch: patch) }
    }

    /// Deletes finished segments of the path directory as `policy` decides at the wall clock
    /// (after the jobs before it, so the open file is the segment being written).
    func prune(policy: RecorderRetention.Policy) {
        enqueueEvents(bytes: 0) { [self] in pruneNow(policy: policy, nowSeconds: Int64(time(nil))) }
    }

    /// Completes when every job submitted so far has run.
    func drained() -> EventLoopFuture<Void> { tail }

    private func enqueue(bytes: Int, _ job: @escaping @Sendable () -> RecorderFileEvent?) {
        enqueueEvents(bytes: bytes) { job().map { [$0] } ?? [] }
    }

    private func enqueueEvents(bytes: Int, _ job: @escaping @Sendable () -> [RecorderFileEvent]) {
        pendingBytes += bytes
        let pool = threadPool, loop = eventLoop
        let next = tail.flatMap { pool.runIfActive(eventLoop: loop, job) }
        next.whenComplete { [self] result in
            pendingBytes -= bytes
            switch result {
            case .success(let events): for event in events { onEvent(event) }
            case .failure(let error): onEvent(.failed(.system(operation: "schedule write (\(error))", path: root, errno: ECANCELED)))
            }
        }
        tail = next.map { _ in }.recover { _ in }
    }

    // MARK: - Pool side

    /// Writes all of `bytes` to the open file: `.opened` when they are the segment's first media,
    /// `.failed` when the write fails (the file is cut back to where these bytes began, a whole
    /// fragment, and closed; the segment's remaining writes are skipped). No file open (a failed
    /// segment): nothing to do.
    private func writeAll(_ bytes: [UInt8], isMedia: Bool) -> RecorderFileEvent? {
        file.withLock { state -> RecorderFileEvent? in
            guard state.descriptor >= 0 else { return nil }
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { raw in
                    write(state.descriptor, raw.baseAddress.map { $0 + offset }, bytes.count - offset)
                }
                if written < 0 {
                    if errno == EINTR { continue }
                    let error = RecordingError.system(operation: "write", path: state.path, errno: errno)
                    _ = ftruncate(state.descriptor, off_t(state.length))
                    state.release()
                    return .failed(error)
                }
                offset += written
            }
            state.length += bytes.count
            guard isMedia, !state.hasMedia else { return nil }
            state.hasMedia = true
            return .opened(state.path)
        }
    }

    /// Lists the path directory, lets `RecorderRetention` decide, and unlinks what it names
    /// (relative to the directory opened under the root; names never hold a "/").
    private func pruneNow(policy: RecorderRetention.Policy, nowSeconds: Int64) -> [RecorderFileEvent] {
        let directory: Int32
        do throws(RecordingError) {
            directory = try RecorderDirectory.openDirectory(root: root, components: components)
        } catch {
            return [.failed(error)]
        }
        defer { close(directory) }
        let current = file.withLock { $0.descriptor >= 0 ? $0.name : nil }
        let entries = Self.list(directory)
        let decision = RecorderRetention.decide(entries: entries, current: current, nowSeconds: nowSeconds, policy: policy)
        var events: [RecorderFileEvent] = []
        for deletion in decision.deletions {
            let path = ([root] + components + [deletion.name]).joined(separator: "/")
            if unlinkat(directory, deletion.name, 0) == 0 {
                events.append(.deleted(path, bytes: deletion.bytes, reason: deletion.reason))
            } else if errno != ENOENT {
                events.append(.failed(.system(operation: "delete", path: path, errno: errno)))
            }
        }
        if decision.overQuota, let maxBytes = policy.maxBytes {
            events.append(.overQuota(bytes: decision.remainingBytes, maxBytes: maxBytes))
        }
        return events
    }

    /// The directory's entries (links not followed, "." and ".." left out), at most `maxEntries`.
    static func list(_ directory: Int32, maxEntries: Int = maxListedEntries) -> [RecorderRetention.Entry] {
        let stream = dup(directory)
        guard stream >= 0 else { return [] }
        guard let handle = fdopendir(stream) else {
            close(stream)
            return []
        }
        defer { closedir(handle) }
        rewinddir(handle)   // the duplicate shares the directory's read offset
        var entries: [RecorderRetention.Entry] = []
        while entries.count < maxEntries, let entry = readdir(handle) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            guard name != ".", name != ".." else { continue }
            var info = stat()
            guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            entries.append(RecorderRetention.Entry(name: name, isRegularFile: info.st_mode & S_IFMT == S_IFREG,
                                                   bytes: Int64(info.st_size), modifiedSeconds: Int64(info.st_mtim.tv_sec)))
        }
        return entries
    }

    private func closeFile(patch: RecorderPatch?) -> RecorderFileEvent? {
        file.withLock { state -> RecorderFileEvent? in
            guard state.descriptor >= 0 else { return nil }
            guard state.hasMedia else {
                state.release()   // nothing to play: removed, and never reported opened
                return nil
            }
            var event = RecorderFileEvent.finished(state.path)
            if let patch {
                let written = patch.bytes.withUnsafeBytes { pwrite(state.descriptor, $0.baseAddress, patch.bytes.count, off_t(patch.offset)) }
                if written != patch.bytes.count {
                    event = .failed(.system(operation: "patch header of", path: state.path, errno: errno))
                }
            }
            state.release()
            return event
        }
    }
}
