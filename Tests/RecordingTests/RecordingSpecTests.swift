import Foundation
@testable import Recording
import Routing
import TestSupport
import Testing

/// `--record` parsing and the path-name → directory mapping that keeps recordings under their root.
@Suite struct RecordingSpecTests {
    @Test func parsesDirectoryFormatAndSegment() throws {
        #expect(try RecordSpec(parsing: "/var/rec") == RecordSpec(directory: "/var/rec"))
        let spec = try RecordSpec(parsing: "rec,format=ivf,segment=5m")
        #expect(spec.directory == "rec" && spec.format == .ivf && spec.segmentDuration == .seconds(300))
        #expect(try RecordSpec(parsing: "rec,segment=90").segmentDuration == .seconds(90))
        #expect(try RecordSpec(parsing: "rec,format=ogg,segment=1h").format == .ogg)
        #expect(try RecordSpec(parsing: "rec,segment=24h").segmentDuration == .seconds(86_400))
        for bad in ["", ",format=mp4", "rec,format=avi", "rec,segment=0s", "rec,segment=25h", "rec,segment=abc",
                    "rec,colour=red", "rec,format", "rec,format=mp4,format=ivf", "a\0b"] {
            #expect(throws: SourceError.self, "\(bad.debugDescription)") { try RecordSpec(parsing: bad) }
        }
    }

    @Test func parsesMaxBytesAndRetainAtTheirCaps() throws {
        let spec = try RecordSpec(parsing: "rec,maxBytes=500M,retain=7d")
        #expect(spec.maxBytes == 500 << 20 && spec.retain == .seconds(7 * 86_400))
        #expect(spec.retentionPolicy == RecorderRetention.Policy(maxBytes: 500 << 20, retainSeconds: 7 * 86_400))
        #expect(try RecordSpec(parsing: "rec").retentionPolicy == nil)
        #expect(try RecordSpec(parsing: "rec,MAXBYTES=10g").maxBytes == 10 << 30)
        #expect(try RecordSpec(parsing: "rec,retain=24h").retain == .seconds(86_400))
        #expect(try RecordSpec(parsing: "rec,retain=90m").retain == .seconds(5400))
        // maxBytes: 1 MiB ... 1 PiB, in bytes or with a suffix; one past either end is refused.
        #expect(try RecordSpec(parsing: "rec,maxBytes=1048576").maxBytes == 1 << 20)
        #expect(try RecordSpec(parsing: "rec,maxBytes=1M").maxBytes == 1 << 20)
        #expect(try RecordSpec(parsing: "rec,maxBytes=1125899906842624").maxBytes == 1 << 50)
        #expect(try RecordSpec(parsing: "rec,maxBytes=1024T").maxBytes == 1 << 50)
        // retain: 60 s ... 3650 days.
        #expect(try RecordSpec(parsing: "rec,retain=60").retain == .seconds(60))
        #expect(try RecordSpec(parsing: "rec,retain=3650d").retain == .seconds(3650 * 86_400))
        #expect(try RecordSpec(parsing: "rec,retain=315360000s").retain == .seconds(315_360_000))
        for bad in ["rec,maxBytes=1048575", "rec,maxBytes=1125899906842625", "rec,maxBytes=1025T", "rec,maxBytes=1023K",
                    "rec,maxBytes=0", "rec,maxBytes=-5M", "rec,maxBytes=+5M", "rec,maxBytes=5X", "rec,maxBytes=M",
                    "rec,maxBytes=99999999999999999T", "rec,maxBytes=", "rec,maxBytes=1M,maxBytes=2M",
                    "rec,retain=59", "rec,retain=315360001", "rec,retain=3651d", "rec,retain=7w", "rec,retain=0d",
                    "rec,retain=1.5d", "rec,retain=d"] {
            #expect(throws: SourceError.self, "\(bad.debugDescription)") { try RecordSpec(parsing: bad) }
        }
        // The message names the option, the value and what is accepted.
        #expect {
            try RecordSpec(parsing: "rec,maxBytes=5X")
        } throws: { error in
            "\(error)".contains("maxBytes '5x' must be a size from 1M to 1024T")
        }
        #expect {
            try RecordSpec(parsing: "rec,retain=7w")
        } throws: { error in
            "\(error)".contains("retain '7w' must be a duration from 1m to 3650d")
        }
    }

    @Test func pathNamesMapToComponentsOrAreRefused() throws {
        #expect(try RecorderDirectory.components(forPathName: "live") == ["live"])
        #expect(try RecorderDirectory.components(forPathName: "cams/door-1_a.b") == ["cams", "door-1_a.b"])
        for bad in ["../x", "/abs", "a/../../b", "..", "a/..", "./a", "a//b", "a/", "", "a\0b", "a b", "~cam", "a\\b",
                    "é", String(repeating: "a", count: 256)] {
            #expect(throws: RecordingError.self, "\(bad.debugDescription)") {
                try RecorderDirectory.components(forPathName: bad)
            }
        }
        _ = try RecorderDirectory.components(forPathName: String(repeating: "a", count: 255))
    }

    static func temporaryDirectory() throws -> URL {
        try TemporaryDirectory.make(prefix: "rtcbridge-rec")
    }

    @Test func createsDirectoriesWith0755UnderTheRoot() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let fd = try RecorderDirectory.openDirectory(root: root.path, components: ["a", "b"])
        close(fd)
        let attributes = try FileManager.default.attributesOfItem(atPath: root.appendingPathComponent("a/b").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o755)
        // A root that is itself a symbolic link is resolved and accepted.
        let link = root.deletingLastPathComponent().appendingPathComponent("rtcbridge-rec-link-\(UUID().uuidString)")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: root)
        defer { try? FileManager.default.removeItem(at: link) }
        close(try RecorderDirectory.openDirectory(root: link.path, components: ["a"]))
    }

    @Test func symbolicLinksInsideTheRootAreRefused() throws {
        let root = try Self.temporaryDirectory()
        let outside = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root); try? FileManager.default.removeItem(at: outside) }
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("evil"), withDestinationURL: outside)
        #expect(throws: RecordingError.escapesRoot(root.resolvingSymlinksInPath().path + "/evil")) {
            try RecorderDirectory.openDirectory(root: root.path, components: ["evil", "cam"])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
    }

    @Test func missingRootAndFilesInTheWayAreReported() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(throws: RecordingError.rootMissing(root.path + "/nope")) {
            try RecorderDirectory.openDirectory(root: root.path + "/nope", components: ["cam"])
        }
        #expect(FileManager.default.createFile(atPath: root.appendingPathComponent("cam").path, contents: Data([1])))
        #expect {
            try RecorderDirectory.openDirectory(root: root.path, components: ["cam"])
        } throws: { error in
            guard case .system(_, _, let code) = error as? RecordingError else { return false }
            return code == ENOTDIR
        }
    }
}
