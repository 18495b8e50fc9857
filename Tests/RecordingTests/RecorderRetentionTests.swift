@testable import Recording
import Testing

/// The retention decision on made-up listings: the quota at its limit and one byte past it, the age
/// boundary, the segment being written kept, foreign files and non-files neither deleted nor
/// counted, oldest first, and only names the recorder makes.
@Suite struct RecorderRetentionTests {
    static let now: Int64 = 1_800_000_000
    static let hour: Int64 = 3600

    /// Segment `n` of 100 bytes, finished `age` seconds ago.
    static func segment(_ n: Int, age: Int64, bytes: Int64 = 100, ext: String = "mp4") -> RecorderRetention.Entry {
        RecorderRetention.Entry(name: "2026-03-07_09-00-00-\(n).\(ext)", bytes: bytes, modifiedSeconds: now - age)
    }

    static func decide(_ entries: [RecorderRetention.Entry], current: String? = nil, maxBytes: Int64? = nil,
                       retain: Int64? = nil) -> RecorderRetention.Decision {
        RecorderRetention.decide(entries: entries, current: current, nowSeconds: now,
                                 policy: .init(maxBytes: maxBytes, retainSeconds: retain))
    }

    @Test func quotaAtTheLimitKeepsEverythingOneBytePastDeletesTheOldest() {
        let files = [Self.segment(3, age: 10), Self.segment(1, age: 30), Self.segment(2, age: 20)]
        let atLimit = Self.decide(files, maxBytes: 300)
        #expect(atLimit.deletions.isEmpty && atLimit.remainingBytes == 300 && !atLimit.overQuota)
        // One byte more than allowed: the oldest segment goes, only that one.
        var grown = files
        grown[0].bytes = 101
        let past = Self.decide(grown, maxBytes: 300)
        #expect(past.deletions == [.init(name: files[1].name, bytes: 100, reason: .quota)])
        #expect(past.remainingBytes == 201 && !past.overQuota)
        // Far over: oldest first until within.
        let far = Self.decide(files, maxBytes: 150)
        #expect(far.deletions.map(\.name) == [files[1].name, files[2].name] && far.remainingBytes == 100)
    }

    @Test func ageBoundaryKeepsASegmentExactlyRetainOldAndDeletesOneSecondOlder() {
        let files = [Self.segment(1, age: 24 * Self.hour + 1), Self.segment(2, age: 24 * Self.hour),
                     Self.segment(3, age: 60)]
        let decision = Self.decide(files, retain: 24 * Self.hour)
        #expect(decision.deletions == [.init(name: files[0].name, bytes: 100, reason: .age)])
        #expect(decision.remainingBytes == 200)
        // Both rules: the old one for its age, then the next oldest while over the quota.
        let both = Self.decide(files, maxBytes: 100, retain: 24 * Self.hour)
        #expect(both.deletions.map(\.reason) == [.age, .quota])
        #expect(both.deletions.map(\.name) == [files[0].name, files[1].name])
        // A file from the future (clock stepped back) is never "old".
        #expect(Self.decide([Self.segment(1, age: -500)], retain: 60).deletions.isEmpty)
    }

    @Test func theSegmentBeingWrittenIsNeverDeletedButCounts() {
        let current = Self.segment(9, age: 100 * Self.hour, bytes: 5000)   // old mtime, large: still kept
        let files = [current, Self.segment(1, age: 50), Self.segment(2, age: 40)]
        let decision = Self.decide(files, current: current.name, maxBytes: 1000, retain: Self.hour)
        #expect(decision.deletions.map(\.name) == [files[1].name, files[2].name])
        #expect(decision.remainingBytes == 5000 && decision.overQuota)
    }

    @Test func foreignFilesDirectoriesAndLinksAreNeitherDeletedNorCounted() {
        let foreign = ["notes.txt", "2026-03-07_09-00-00-1.mp4.bak", "2026-03-07_09-00-00-1.MP4", "2026-03-07_09-00-00-0.mp4",
                       "2026-03-07_09-00-00-01.mp4", "2026-03-07_09-00-00-.mp4", "2026-03-07_09-00-00-1.mkv",
                       "2026-03-07 09-00-00-1.mp4", "x2026-03-07_09-00-00-1.mp4", "2026-03-07_09-00-00-1.",
                       "2026-3-07_09-00-00-1.mp4", "../2026-03-07_09-00-00-1.mp4", ".2026-03-07_09-00-00-1.mp4",
                       "2026-03-07_09-00-00-1234567890123456789.mp4", ""]
        var entries = foreign.map { RecorderRetention.Entry(name: $0, bytes: 1 << 30, modifiedSeconds: 0) }
        // A directory and a symbolic link with a recorder's name are not files the recorder wrote.
        entries.append(.init(name: "2026-03-07_09-00-00-7.mp4", isRegularFile: false, bytes: 1 << 30, modifiedSeconds: 0))
        entries.append(.init(name: "2026-03-07_09-00-00-8.ogg", isRegularFile: false, bytes: 1 << 30, modifiedSeconds: 0))
        let own = Self.segment(2, age: 10)
        entries.append(own)
        let decision = Self.decide(entries, maxBytes: 1 << 20, retain: 60)
        #expect(decision.deletions.isEmpty)
        #expect(decision.remainingBytes == 100)
        let old = Self.decide(entries + [Self.segment(1, age: 3600, ext: "ivf"), Self.segment(3, age: 3600, ext: "ogg")], retain: 60)
        #expect(old.deletions.map(\.name) == ["2026-03-07_09-00-00-1.ivf", "2026-03-07_09-00-00-3.ogg"])
    }

    @Test func recorderNamesAreRecognised() {
        let time = RecorderFileName.LocalTime(year: 2026, month: 12, day: 7, hour: 15, minute: 4, second: 9)
        for format in RecordingFormat.allCases {
            for segment in [1, 9, 10, 12345] {
                #expect(RecorderFileName.isRecorderName(RecorderFileName.make(time: time, segment: segment, format: format)))
            }
        }
        #expect(RecorderFileName.isRecorderName("2026-03-07_09-00-00-123456789012345678.mp4"))    // 18 digits
        #expect(!RecorderFileName.isRecorderName("2026-03-07_09-00-00-1234567890123456789.mp4"))  // 19
    }

    @Test func ordersByModificationTimeThenName() {
        let a = Self.segment(5, age: 100), b = Self.segment(4, age: 100), c = Self.segment(1, age: 50)
        #expect(Self.decide([c, a, b], maxBytes: 100).deletions.map(\.name) == [b.name, a.name])
    }
}
