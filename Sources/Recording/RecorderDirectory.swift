#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a recording could not be written.
public enum RecordingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The path name cannot become a directory under the recording root.
    case invalidPathName(String, reason: String)
    /// The recording root does not exist (or cannot be resolved).
    case rootMissing(String)
    /// A directory resolved outside the root (a symbolic link) and was refused.
    case escapesRoot(String)
    /// A system call failed; `errno` names the reason (ENOSPC, EACCES, ENOTDIR, ...).
    case system(operation: String, path: String, errno: Int32)

    public var description: String {
        switch self {
        case .invalidPathName(let name, let reason): "path name '\(name.debugDescription.dropFirst().dropLast())' cannot be recorded: \(reason)"
        case .rootMissing(let root): "recording directory \(root) does not exist"
        case .escapesRoot(let path): "recording directory \(path) is a symbolic link or leaves the recording root; refused"
        case .system(let operation, let path, let code): "\(operation) \(path): \(String(cString: strerror(code)))"
        }
    }
}

/// Maps a path name to a directory below the recording root that it can never escape.
///
/// The name must be `[A-Za-z0-9._-]` segments joined by "/" (no "..", no ".", no empty segment,
/// nothing absolute, no NUL). Directories are created one level at a time with mode 0755 and
/// opened relative to their parent with O_NOFOLLOW, so a symbolic link anywhere below the root
/// is refused, even one placed there while recording runs; the resolved path is also checked to
/// lie under the root's real path.
public enum RecorderDirectory {
    static let maxNameBytes = 255

    /// The directory components for `pathName`, or a reason it is refused.
    public static func components(forPathName name: String) throws(RecordingError) -> [String] {
        func fail(_ reason: String) -> RecordingError { .invalidPathName(name, reason: reason) }
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty else { throw fail("empty") }
        guard bytes.count <= maxNameBytes else { throw fail("longer than \(maxNameBytes) bytes") }
        guard !bytes.contains(0) else { throw fail("contains NUL") }
        guard bytes.first != UInt8(ascii: "/") else { throw fail("absolute paths are not allowed") }
        for byte in bytes where !isAllowed(byte) {
            throw fail("only A-Z a-z 0-9 . _ - / are allowed")
        }
        let segments = name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for segment in segments {
            guard !segment.isEmpty else { throw fail("empty segment") }
            guard segment != "..", segment != "." else { throw fail("'\(segment)' segments are not allowed") }
        }
        return segments
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"),
             UInt8(ascii: "/"):
            true
        default:
            false
        }
    }

    /// Opens (creating as needed) `root/components...` and returns its file descriptor. Blocking:
    /// call it off the event loop.
    public static func openDirectory(root: String, components: [String]) throws(RecordingError) -> Int32 {
        guard let realRoot = realPath(root) else {
            let code = errno
            throw code == ENOENT ? .rootMissing(root) : .system(operation: "resolve", path: root, errno: code)
        }
        var fd = open(realRoot, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(operation: "open directory", path: realRoot, errno: errno) }
        var current = realRoot
        for component in components {
            current += "/" + component
            if mkdirat(fd, component, 0o755) != 0 && errno != EEXIST {
                let code = errno
                close(fd)
                throw .system(operation: "create directory", path: current, errno: code)
            }
            let next = openat(fd, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            let code = errno
            // Linux reports a symbolic link opened with O_NOFOLLOW | O_DIRECTORY as ENOTDIR or ELOOP.
            let isLink = next < 0 && isSymbolicLink(component, in: fd)
            close(fd)
            guard next >= 0 else {
                throw isLink || code == ELOOP ? .escapesRoot(current) : .system(operation: "open directory", path: current, errno: code)
            }
            fd = next
        }
        // Belt and braces: the directory's real path lies under the root's.
        guard let resolved = realPath(current), resolved == realRoot || resolved.hasPrefix(realRoot + "/") else {
            close(fd)
            throw .escapesRoot(current)
        }
        return fd
    }

    static func isSymbolicLink(_ name: String, in directory: Int32) -> Bool {
        var info = stat()
        guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return false }
        return info.st_mode & S_IFMT == S_IFLNK
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
