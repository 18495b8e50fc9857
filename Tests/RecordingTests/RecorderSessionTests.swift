import RTCBase
@testable import Recording
import Routing
import Testing

/// `RecorderSession` on virtual time: the flush schedule, write errors counted and reported once
/// per message, a new segment `retryInterval` after a failure, finishing, and segment file names.
@Suite struct RecorderSessionTests {
    static let t0 = Instant(nanoseconds: 10_000_000_000)

    static func session(segment: Duration = .seconds(60)) -> RecorderSession {
        var configuration = RecorderSession.Configuration(format: .mp4, segmentDuration: segment)
        configuration.retryInterval = .seconds(5)
        var session = RecorderSession(configuration: configuration)
        session.start(now: t0)
        return session
    }

    /// Outputs as short names, and the deadline `poll()` names at the end.
    static func drain(_ session: inout RecorderSession) -> (outputs: [String], deadline: Instant) {
        var outputs: [String] = []
        while true {
            switch session.poll() {
            case .openSegment(let segment, _): outputs.append("open\(segment)")
            case .append: if outputs.last != "append" { outputs.append("append") }
            case .finishSegment: outputs.append("finish")
            case .event(let event): outputs.append("\(event)")
            case .requestKeyframe: outputs.append("keyframe")
            case .timeout(let deadline): return (outputs, deadline)
            }
        }
    }

    /// Feeds frames `frames` (each with its audio) of one continuous synthetic stream of 40 frames.
    static func feed(_ session: inout RecorderSession, frames: Range<Int>, tracks: Bool = false) throws {
        if tracks { session.handle(.tracks(RecordingMuxerTests.tracks, sourceEpoch: 1)) }
        var frame = -1
        for event in try RecordingMuxerTests.demoEvents(0..<40) {
            if case .unit(let unit) = event, unit.trackID == 0 { frame += 1 }
            if frames.contains(frame) { session.handle(event) }
        }
    }

    @Test func flushesEveryIntervalAndNeverBurstsAfterALateWake() throws {
        var session = Self.session()
        #expect(Self.drain(&session).deadline == Self.t0 + .seconds(1))
        try Self.feed(&session, frames: 0..<20, tracks: true)
        #expect(Self.drain(&session).outputs == ["open1"])   // fragments go out when flushed
        session.handleTimeout(now: Self.t0 + .milliseconds(999))   // early: nothing
        #expect(Self.drain(&session) == ([], Self.t0 + .seconds(1)))
        session.handleTimeout(now: Self.t0 + .seconds(1))
        #expect(Self.drain(&session) == (["append"], Self.t0 + .seconds(2)))
        session.handleTimeout(now: Self.t0 + .milliseconds(4500))   // woken late: one flush, then on schedule from now
        #expect(Self.drain(&session).deadline == Self.t0 + .milliseconds(5500))
    }

    /// A video frame lost for good (WHIP with loss nothing repaired) holds the recording's video
    /// back until a keyframe: the publisher is asked for one when the wait starts, again at each
    /// flush while it lasts (never twice in one flush interval), and no more once one arrived.
    @Test func videoLostForGoodAsksThePublisherForAKeyframe() throws {
        var session = Self.session()
        try Self.feed(&session, frames: 0..<10, tracks: true)
        try Self.feed(&session, frames: 11..<25)   // frame 10 never comes; the reorder bound gives it up
        #expect(Self.drain(&session).outputs.filter { $0 == "keyframe" }.count == 1)
        session.handleTimeout(now: Self.t0 + .seconds(1))   // asked in this interval already
        #expect(!Self.drain(&session).outputs.contains("keyframe"))
        session.handleTimeout(now: Self.t0 + .seconds(2))   // still waiting: ask again
        #expect(Self.drain(&session).outputs.filter { $0 == "keyframe" }.count == 1)
        try Self.feed(&session, frames: 25..<40)   // frame 30 is a keyframe
        session.handleTimeout(now: Self.t0 + .seconds(3))
        session.handleTimeout(now: Self.t0 + .seconds(4))
        #expect(!Self.drain(&session).outputs.contains("keyframe"))
        #expect(session.stats.keyframeRequests == 2)
    }

    @Test func countsUnitsAndTheBytesItHandsToTheFiles() throws {
        var session = Self.session()
        try Self.feed(&session, frames: 0..<20, tracks: true)
        session.handleTimeout(now: Self.t0 + .seconds(1))
        var bytes = 0
        while true {
            let output = session.poll()
            if case .openSegment(_, let header) = output { bytes += header.count }
            if case .append(let chunk) = output { bytes += chunk.count }
            if case .timeout = output { break }
        }
        let stats = session.stats
        #expect(stats.unitsReceived > 20 && stats.unitsReceived > stats.unitsSkipped, "\(stats)")
        #expect(bytes > 0 && stats.bytesMuxed == bytes, "muxed \(stats.bytesMuxed), handed out \(bytes)")
    }

    @Test func writeErrorsAreCountedReportedOnceAndRetriedWithANewSegment() throws {
        var session = Self.session()
        try Self.feed(&session, frames: 0..<20, tracks: true)
        _ = Self.drain(&session)
        let error = RecordingError.system(operation: "create", path: "/r/cam/x.mp4", errno: 20)
        session.handle(.failed(error), now: Self.t0 + .milliseconds(100))
        session.handle(.failed(error), now: Self.t0 + .milliseconds(200))
        let (outputs, deadline) = Self.drain(&session)
        #expect(outputs == ["writeFailed(\"\(error.description)\", firstReport: true, retryIn: \(Duration.seconds(5)))",
                            "writeFailed(\"\(error.description)\", firstReport: false, retryIn: \(Duration.milliseconds(4900)))"])
        #expect(session.stats.writeErrors == 2 && session.stats.lastError == error.description && session.stats.filesOpened == 0)
        // Flushes go on every second; the retry is due 5 s after the first failure (one retry for both).
        #expect(deadline == Self.t0 + .seconds(1))
        for second in 1...5 {
            session.handleTimeout(now: Self.t0 + .seconds(second))
            _ = Self.drain(&session)
        }
        #expect(Self.drain(&session).deadline == Self.t0 + .milliseconds(5100))
        session.handleTimeout(now: Self.t0 + .milliseconds(5100))
        #expect(Self.drain(&session).deadline == Self.t0 + .seconds(6))
        // The next keyframe (frame 30) starts a new segment; its file opens and recording resumes.
        try Self.feed(&session, frames: 20..<40)
        #expect(Self.drain(&session).outputs.filter { $0 != "append" } == ["finish", "open2"])
        session.handle(.opened("/r/cam/y-2.mp4"), now: Self.t0 + .seconds(6))
        #expect(Self.drain(&session).outputs == ["segmentOpened(file: \"/r/cam/y-2.mp4\", resumed: true)"])
        session.handle(.failed(error), now: Self.t0 + .seconds(7))
        #expect(Self.drain(&session).outputs.first?.contains("firstReport: true,") == true)   // reported again after a recovery
        #expect(session.stats.filesOpened == 1 && session.stats.files == ["/r/cam/y-2.mp4"])
    }

    /// The events `poll()` hands out until its deadline.
    static func events(_ session: inout RecorderSession) -> [RecorderSession.Event] {
        var events: [RecorderSession.Event] = []
        while case .event(let event) = session.poll() { events.append(event) }
        return events
    }

    /// Disk full: each retry fails on a new file with the same errno. That is one report until a
    /// segment opens again, and the back-off doubles up to `maxRetryInterval`, then holds.
    @Test func repeatedFailuresBackOffAndAreReportedOncePerKind() throws {
        var configuration = RecorderSession.Configuration(format: .mp4, segmentDuration: .seconds(60))
        configuration.retryInterval = .seconds(5)
        configuration.maxRetryInterval = .seconds(30)
        var session = RecorderSession(configuration: configuration)
        session.start(now: Self.t0)
        var now = Self.t0
        var delays: [Duration] = [], reports = 0
        for attempt in 0..<7 {
            let error = RecordingError.system(operation: "write", path: "/r/cam/\(attempt).mp4", errno: 28)   // ENOSPC
            session.handle(.failed(error), now: now)
            for case .writeFailed(_, let first, let retryIn) in Self.events(&session) {
                delays.append(retryIn)
                if first { reports += 1 }
            }
            now = now + (delays.last ?? .zero)
            session.handleTimeout(now: now)   // the retry is due: a new segment is asked for
        }
        #expect(reports == 1)
        #expect(delays == [5, 10, 20, 30, 30, 30, 30].map { Duration.seconds($0) })
        // Another kind of error is reported; an opened segment resets the report and the back-off.
        let denied = RecordingError.system(operation: "create", path: "/r/cam/x.mp4", errno: 13)
        session.handle(.failed(denied), now: now)
        session.handleTimeout(now: now + .seconds(30))
        session.handle(.opened("/r/cam/y.mp4"), now: now + .seconds(30))
        let full = RecordingError.system(operation: "write", path: "/r/cam/y.mp4", errno: 28)
        session.handle(.failed(full), now: now + .seconds(100))
        #expect(Self.events(&session) == [.writeFailed(denied.description, firstReport: true, retryIn: .seconds(30)),
                                          .segmentOpened(file: "/r/cam/y.mp4", resumed: true),
                                          .writeFailed(full.description, firstReport: true, retryIn: .seconds(5))])
        #expect(session.stats.writeErrors == 9)
    }

    @Test func deletionsAreCountedAndReported() {
        var session = Self.session()
        session.handle(.deleted("/r/cam/a-1.mp4", bytes: 1000, reason: .quota), now: Self.t0)
        session.handle(.deleted("/r/cam/a-2.mp4", bytes: 24, reason: .age), now: Self.t0)
        #expect(Self.events(&session) == [.segmentDeleted(file: "/r/cam/a-1.mp4", bytes: 1000, reason: .quota),
                                          .segmentDeleted(file: "/r/cam/a-2.mp4", bytes: 24, reason: .age)])
        #expect(session.stats.filesDeleted == 2 && session.stats.bytesDeleted == 1024)
        // A segment larger than the quota by itself is reported once, however often it recurs.
        session.handle(.overQuota(bytes: 3 << 20, maxBytes: 1 << 20), now: Self.t0)
        session.handle(.overQuota(bytes: 4 << 20, maxBytes: 1 << 20), now: Self.t0)
        #expect(Self.events(&session) == [.overQuota(bytes: 3 << 20, maxBytes: 1 << 20)])
    }

    @Test func finishingClosesTheSegmentAndStopsTheSchedule() throws {
        var session = Self.session()
        try Self.feed(&session, frames: 0..<10, tracks: true)
        _ = Self.drain(&session)
        session.finish()
        #expect(Self.drain(&session) == (["append", "finish"], .distantFuture))
        session.handle(.failed(.rootMissing("/r")), now: Self.t0)
        session.handleTimeout(now: Self.t0 + .seconds(30))
        try Self.feed(&session, frames: 30..<31)
        #expect(Self.drain(&session).deadline == .distantFuture)
        #expect(session.stats.writeErrors == 1)
    }

    @Test func ignoredTracksAreReportedWhenTheyChange() {
        var session = RecorderSession(configuration: .init(format: .ogg, segmentDuration: .seconds(60)))
        session.handle(.tracks(RecordingMuxerTests.tracks, sourceEpoch: 1))
        session.handle(.tracks(RecordingMuxerTests.tracks, sourceEpoch: 2))
        #expect(Self.drain(&session).outputs == ["tracksIgnored([\"H264/90000\"])"])
    }

    @Test func theListOfFilesKeepsTheNewest() {
        var session = Self.session()
        session.maxListedFiles = 2
        for n in 1...3 { session.handle(.opened("f\(n)"), now: Self.t0) }
        #expect(session.stats.files == ["f2", "f3"] && session.stats.filesOpened == 3)
    }

    @Test func segmentFileNamesCarryLocalTimeAndNumber() {
        let time = RecorderFileName.LocalTime(year: 2026, month: 3, day: 7, hour: 9, minute: 5, second: 0)
        #expect(RecorderFileName.make(time: time, segment: 1, format: .mp4) == "2026-03-07_09-05-00-1.mp4")
        #expect(RecorderFileName.make(time: time, segment: 4, attempt: 2, format: .ogg) == "2026-03-07_09-05-00-6.ogg")
        #expect(RecorderFileName.make(time: .init(year: 999, month: 12, day: 31, hour: 23, minute: 59, second: 59),
                                      segment: 1, format: .ivf) == "0999-12-31_23-59-59-1.ivf")
    }
}
