import Foundation

/// Fresh directories under the system temporary directory, for tests that write files; the
/// caller removes them.
public enum TemporaryDirectory {
    /// Creates `<tmp>/<prefix>-<UUID>` and returns its URL.
    public static func make(prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
