#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import NIOCore
import NIOPosix
import RTCBase
import Recording
import Routing
@testable import Runtime
import Synchronization
import Testing
import TestSupport

/// Recording against a real disk: retention deletes only the recorder's finished segments inside
/// the path directory, and a full disk (a 256 KiB tmpfs, mounted by the test as root) stops that
/// path's recording cleanly while the other path's recording and the viewers carry on. Part of
/// the serialized `RecordingTests` suite, so real-time recordings do not compete for the CPU.
extension RecordingTests {
    /// Log lines at warning and above, kept for assertions.
    final class CapturedLog: @unchecked Sendable {
        let lines = Mutex<[String]>([])
        func count(containing text: String) -> Int { lines.withLock { $0.filter { $0.contains(text) }.count } }
        var logger: Logger {
            Logger(label: "recording-disk-test") { _ in Handler(log: self) }
        }

        struct Handler: LogHandler {
            let log: CapturedLog
            var metadata: Logger.Metadata = [:]
            var logLevel: Logger.Level = .info
            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }
            func log(event: LogEvent) {
                let merged = metadata.merging(event.metadata ?? [:]) { $1 }
                log.lines.withLock { $0.append("\(event.level) \(event.message) \(merged.sorted { $0.key < $1.key })") }
            }
        }
    }

    /// Writes `bytes` zero bytes to `directory/name` and sets its modification time `age` seconds back.
    static func makeFile(_ directory: URL, _ name: String, bytes: Int = 10, age: Int = 0) throws {
        let url = directory.appendingPathComponent(name)
        try Data(count: bytes).write(to: url)
        let date = Date(timeIntervalSinceNow: -Double(age))
        try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: url.path)
    }

    @Test func retentionDeletesOnlyTheRecordersOldSegmentsInsideThePathDirectory() async throws {
        let root = try TemporaryDirectory.make(prefix: "rtcbridge-rec")
        let outside = try TemporaryDirectory.make(prefix: "rtcbridge-rec")
        defer { try? FileManager.default.removeItem(at: root); try? FileManager.default.removeItem(at: outside) }
        let cam = root.appendingPathComponent("site/cam")
        try FileManager.default.createDirectory(at: cam, withIntermediateDirectories: true)
        let day = 86_400
        try Self.makeFile(cam, "2026-01-01_00-00-00-1.mp4", bytes: 300_000, age: 3 * day)   // too old
        try Self.makeFile(cam, "2026-01-01_00-01-00-2.mp4", bytes: 300_000, age: 2 * day)   // too old
        try Self.makeFile(cam, "2026-01-03_00-00-00-1.ogg", bytes: 600_000, age: 3600)      // over the quota
        try Self.makeFile(cam, "2026-01-03_01-00-00-1.ivf", bytes: 600_000, age: 600)       // kept
        try Self.makeFile(cam, "notes.txt", bytes: 5_000_000, age: 30 * day)                // foreign: kept, not counted
        try Self.makeFile(cam, "2026-01-01_00-00-00-1.mp4.part", age: 30 * day)
        try FileManager.default.createDirectory(at: cam.appendingPathComponent("2026-01-01_00-00-00-9.mp4"),
                                                withIntermediateDirectories: false)
        // A link named like a segment, to a file outside the root: neither it nor its target goes.
        try Self.makeFile(outside, "victim.mp4", bytes: 100, age: 30 * day)
        try FileManager.default.createSymbolicLink(at: cam.appendingPathComponent("2026-01-01_00-00-00-3.mp4"),
                                                   withDestinationURL: outside.appendingPathComponent("victim.mp4"))
        // The parent directory (another path's) is never touched.
        try Self.makeFile(root.appendingPathComponent("site"), "2026-01-01_00-00-00-1.mp4", bytes: 100, age: 30 * day)

        let log = CapturedLog()
        let router = Router(limits: RoutingLimits(), clock: { RuntimeClock.now() })
        var configuration = Recorder.Configuration(spec: try RecordSpec(parsing: "\(root.path),maxBytes=1M,retain=1d"))
        configuration.flushInterval = .seconds(1)
        let recorder = try Recorder(path: try router.createPath(named: "site/cam"), configuration: configuration,
                                    eventLoop: group.next(), logger: log.logger)
        try await recorder.start()
        await recorder.flushToDisk()   // the retention pass at start has run
        let stats = await recorder.stats()
        await recorder.stop()

        let left = try Set(FileManager.default.contentsOfDirectory(atPath: cam.path))
        #expect(left == ["2026-01-03_01-00-00-1.ivf", "notes.txt", "2026-01-01_00-00-00-1.mp4.part",
                         "2026-01-01_00-00-00-9.mp4", "2026-01-01_00-00-00-3.mp4"])
        #expect(FileManager.default.fileExists(atPath: outside.appendingPathComponent("victim.mp4").path))
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("site/2026-01-01_00-00-00-1.mp4").path))
        #expect(stats.filesDeleted == 3 && stats.bytesDeleted == 1_200_000)
        #expect(log.count(containing: "deleted (older than retain)") == 2)
        #expect(log.count(containing: "deleted (over maxBytes)") == 1)
    }

    @Test func theSegmentBeingWrittenSurvivesEveryPass() async throws {
        let root = try TemporaryDirectory.make(prefix: "rtcbridge-rec")
        defer { try? FileManager.default.removeItem(at: root) }
        let cam = root.appendingPathComponent("cam")
        try FileManager.default.createDirectory(at: cam, withIntermediateDirectories: true)
        try Self.makeFile(cam, "2026-01-01_00-00-00-1.mp4", bytes: 50, age: 7200)
        try Self.makeFile(cam, "2026-01-01_00-00-00-2.mp4", bytes: 50, age: 3600)
        let loop = group.next()
        let sink = RecorderFileSink(root: root.path, components: ["cam"], maxPendingBytes: 1 << 20,
                                    threadPool: .singleton, eventLoop: loop)
        let events = Mutex<[RecorderFileEvent]>([])
        // The open segment is older (by name and mtime) than nothing, larger than the quota, and kept.
        try await loop.submit {
            sink.onEvent = { event in events.withLock { $0.append(event) } }
            sink.open(fileName: { "2026-01-01_00-00-00-\(3 + $0).mp4" }, header: [UInt8](repeating: 1, count: 100))
            sink.append([UInt8](repeating: 2, count: 100))
            sink.prune(policy: .init(maxBytes: 10, retainSeconds: 60))
            return sink.drained()
        }.get().get()
        let current = root.path + "/cam/2026-01-01_00-00-00-3.mp4"
        #expect(events.withLock { $0 } == [.opened(current),
                                           .deleted(root.path + "/cam/2026-01-01_00-00-00-1.mp4", bytes: 50, reason: .age),
                                           .deleted(root.path + "/cam/2026-01-01_00-00-00-2.mp4", bytes: 50, reason: .age),
                                           .overQuota(bytes: 200, maxBytes: 10)])
        #expect(try FileManager.default.contentsOfDirectory(atPath: cam.path) == ["2026-01-01_00-00-00-3.mp4"])
        // A segment that ends before any media reached the disk holds nothing to play: removed.
        try await loop.submit {
            sink.finish(patch: nil)
            sink.open(fileName: { "2026-01-01_00-00-00-\(4 + $0).mp4" }, header: [1, 2, 3])
            sink.finish(patch: nil)
            return sink.drained()
        }.get().get()
        #expect(try Data(contentsOf: URL(fileURLWithPath: current)).count == 200)
        #expect(try FileManager.default.contentsOfDirectory(atPath: cam.path) == ["2026-01-01_00-00-00-3.mp4"])
        #expect(events.withLock { $0.count } == 5 && events.withLock { $0.last } == .finished(current))
    }

    @Test func listingStopsAtItsCap() throws {
        let root = try TemporaryDirectory.make(prefix: "rtcbridge-rec")
        defer { try? FileManager.default.removeItem(at: root) }
        for n in 1...4 { try Self.makeFile(root, "2026-01-01_00-00-00-\(n).mp4", bytes: n, age: 60 * n) }
        let fd = open(root.path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        #expect(RecorderFileSink.list(fd, maxEntries: 4).count == 4)   // at the cap: everything
        #expect(RecorderFileSink.list(fd, maxEntries: 3).count == 3)   // one past it: the cap
        let all = RecorderFileSink.list(fd).sorted { $0.name < $1.name }
        #expect(all.map(\.bytes) == [1, 2, 3, 4] && all.allSatisfy(\.isRegularFile))
        let now = Int64(time(nil))
        #expect(all.allSatisfy { abs(now - $0.modifiedSeconds - Int64($0.bytes) * 60) <= 5 })
    }

    /// Mounts a tmpfs of `bytes` on `directory` (root only).
    static func mountTmpfs(_ directory: URL, bytes: Int) throws {
        _ = try FFprobe.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(bytes)", "tmpfs", directory.path])
    }

    static func unmount(_ directory: URL) {
        _ = try? FFprobe.run("/bin/umount", [directory.path])
    }

    /// The top-level MP4 boxes of `bytes` cover the file exactly (no cut-off box at the end).
    static func boxesCoverTheFile(_ bytes: [UInt8]) -> (types: [String], exact: Bool) {
        var offset = 0, types: [String] = []
        while offset + 8 <= bytes.count {
            let size = bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            guard size >= 8, offset + size <= bytes.count else { return (types, false) }
            types.append(String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self))
            offset += size
        }
        return (types, offset == bytes.count)
    }

    @Test(.enabled(if: getuid() == 0, "mounting a small tmpfs needs root (CI runs as root)"))
    func aFullDiskStopsThatRecordingCleanlyAndEverythingElseCarriesOn() async throws {
        let full = try TemporaryDirectory.make(prefix: "rtcbridge-full")
        let roomy = try TemporaryDirectory.make(prefix: "rtcbridge-rec")
        defer { try? FileManager.default.removeItem(at: full); try? FileManager.default.removeItem(at: roomy) }
        try Self.mountTmpfs(full, bytes: 256 << 10)
        defer { Self.unmount(full) }
        let log = CapturedLog()
        let router = Router(limits: RoutingLimits(), clock: { RuntimeClock.now() })
        func recorder(_ path: String, root: URL) throws -> Recorder {
            var configuration = Recorder.Configuration(root: root.path)
            configuration.flushInterval = .milliseconds(100)
            configuration.retryInterval = .milliseconds(100)
            configuration.maxRetryInterval = .milliseconds(200)
            return try Recorder(path: try router.createPath(named: path), configuration: configuration,
                                eventLoop: group.next(), logger: log.logger)
        }
        let onFullDisk = try recorder("a", root: full), onRoomyDisk = try recorder("b", root: roomy)
        try await onFullDisk.start()
        try await onRoomyDisk.start()
        // The recorders come first (they create the paths); the sources publish into them.
        let sources = try ["a", "b"].map { name in
            try FileSource.demo(pathName: name, router: router, eventLoop: group.next(), logger: log.logger)
        }
        let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let viewers = try ["a", "b"].map { name in try #require(router.path(named: name)).addReader { wake.yield() } }
        for source in sources { try await source.start() }

        // Drained on every wake (so they never drop) until the disk filled up, two retries failed
        // too, and both viewers received 80 more units after that; the suite's time limit bounds it.
        var units = [0, 0]
        var unitsAtFull: [Int]?
        for await _ in wakes {
            for (index, viewer) in viewers.enumerated() {
                for case .unit in viewer.drain(max: 1000) { units[index] += 1 }
            }
            guard let unitsAtFull else {
                if await onFullDisk.stats().writeErrors >= 3 { unitsAtFull = units }
                continue
            }
            if units[0] >= unitsAtFull[0] + 80 && units[1] >= unitsAtFull[1] + 80 { break }
        }
        await onFullDisk.stop()
        await onRoomyDisk.stop()
        for source in sources { await source.stop() }
        let fullStats = await onFullDisk.stats(), roomyStats = await onRoomyDisk.stats()

        // That recording stopped with a clear error, logged once however often it retried.
        #expect(fullStats.writeErrors >= 3)
        #expect(fullStats.lastError?.contains("No space left on device") == true, "\(fullStats.lastError ?? "")")
        #expect(log.count(containing: "recording paused") == 1, "\(log.lines.withLock { $0 })")
        // The part written stays playable: one file (the failed retries left nothing behind) that
        // ends on a whole fragment.
        let files = try FileManager.default.contentsOfDirectory(atPath: full.appendingPathComponent("a").path)
        #expect(files.count == 1, "\(files)")
        let file = try #require(files.first.map { full.appendingPathComponent("a/\($0)").path })
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        let boxes = Self.boxesCoverTheFile(bytes)
        #expect(boxes.exact, "\(boxes.types)")
        #expect(boxes.types.prefix(2) == ["ftyp", "moov"] && boxes.types.filter { $0 == "moof" }.count >= 2)
        if FFprobe.isAvailable {
            let streams = try FFprobe.streams(ofFile: file)
            #expect(streams.map(\.codec_name) == ["h264", "opus"])
            #expect((streams.first?.seconds ?? 0) > 0.5)
        }
        // Everything else carried on: the other recording, and both paths' viewers.
        #expect(roomyStats.writeErrors == 0 && roomyStats.filesOpened == 1 && roomyStats.filesFinished == 1)
        #expect(viewers.allSatisfy { $0.stats.dropped == 0 })
        for (name, viewer) in zip(["a", "b"], viewers) { router.path(named: name)?.removeReader(viewer) }
        wake.finish()
    }
}
