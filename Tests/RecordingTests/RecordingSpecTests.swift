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
