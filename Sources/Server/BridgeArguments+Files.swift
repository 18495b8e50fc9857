import Foundation

extension BridgeArguments {
    /// Creates each file target's staging directory (the recorder writes into an existing root).
    public func prepareFiles(fileManager: FileManager = .default) throws {
        for (path, _) in files {
            do {
                try fileManager.createDirectory(atPath: Self.stagingDirectory(for: path), withIntermediateDirectories: false)
            } catch CocoaError.fileWriteFileExists {
                // left by a bridge that was killed: its segments are moved along with the new ones
            } catch {
                throw BridgeArgumentError("cannot write \(path): \(error.localizedDescription)")
            }
        }
    }

    /// Moves each file target's recorded segments out of its staging directory once the bridge
    /// has stopped (the recordings are finalized): the first segment becomes the file, any later
    /// ones (a run longer than a day, a codec change) `NAME-2.EXT`, `NAME-3.EXT`, …; then the
    /// staging directory is removed. Returns the files written, in order.
    @discardableResult
    public func finishFiles(fileManager: FileManager = .default) throws -> [String] {
        var written: [String] = []
        for (path, _) in files {
            let staging = Self.stagingDirectory(for: path)
            let segments = (try? fileManager.contentsOfDirectory(atPath: (staging as NSString).appendingPathComponent(Self.pathName)))?
                .filter { !$0.hasPrefix(".") }.sorted() ?? []
            for (index, segment) in segments.enumerated() {
                let from = ((staging as NSString).appendingPathComponent(Self.pathName) as NSString).appendingPathComponent(segment)
                let to = index == 0 ? path : Self.numbered(path, index + 1)
                if fileManager.fileExists(atPath: to) { try fileManager.removeItem(atPath: to) }
                try fileManager.moveItem(atPath: from, toPath: to)
                written.append(to)
            }
            try? fileManager.removeItem(atPath: staging)
        }
        return written
    }

    /// `dir/name-N.ext` for `dir/name.ext`.
    static func numbered(_ path: String, _ number: Int) -> String {
        let ext = (path as NSString).pathExtension
        return ((path as NSString).deletingPathExtension) + "-\(number)." + ext
    }
}
