/// Which finished segments of one path directory to delete, sans-IO: the runtime lists the
/// directory (name, kind, size, modification time) and reads the wall clock; this decides.
///
/// Only regular files whose names the recorder makes (`RecorderFileName.isRecorderName`) are ever
/// candidates, and never the segment being written. Oldest first (by modification time, then
/// name), a segment is deleted when it is older than `retainSeconds`, or while the recorder's
/// files in the directory (the segment being written included) take more than `maxBytes`.
/// Anything else in the directory is neither deleted nor counted.
public enum RecorderRetention {
    public struct Policy: Sendable, Equatable {
        public var maxBytes: Int64?
        public var retainSeconds: Int64?
        public init(maxBytes: Int64? = nil, retainSeconds: Int64? = nil) {
            self.maxBytes = maxBytes
            self.retainSeconds = retainSeconds
        }
    }

    /// One directory entry as the runtime found it (`lstat`, links not followed).
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var isRegularFile: Bool
        public var bytes: Int64
        /// Last modification, seconds since the Unix epoch.
        public var modifiedSeconds: Int64
        public init(name: String, isRegularFile: Bool = true, bytes: Int64, modifiedSeconds: Int64) {
            self.name = name
            self.isRegularFile = isRegularFile
            self.bytes = bytes
            self.modifiedSeconds = modifiedSeconds
        }
    }

    public enum Reason: String, Sendable, Equatable {
        /// Older than `retain`.
        case age
        /// The directory was over `maxBytes`.
        case quota
    }

    public struct Deletion: Sendable, Equatable {
        public var name: String
        public var bytes: Int64
        public var reason: Reason
    }

    public struct Decision: Sendable, Equatable {
        public var deletions: [Deletion] = []
        /// The recorder's bytes left once the deletions are done.
        public var remainingBytes: Int64 = 0
        /// Still over `maxBytes` with every finished segment gone (the current one alone is larger).
        public var overQuota = false
    }

    /// - Parameters:
    ///   - entries: the directory's entries.
    ///   - current: the name of the segment being written, if any (never deleted).
    ///   - nowSeconds: the wall clock, seconds since the Unix epoch.
    public static func decide(entries: [Entry], current: String?, nowSeconds: Int64, policy: Policy) -> Decision {
        let recorded = entries.filter { $0.isRegularFile && RecorderFileName.isRecorderName($0.name) }
        var decision = Decision()
        decision.remainingBytes = recorded.reduce(0) { $0 &+ max(0, $1.bytes) }
        let finished = recorded.filter { $0.name != current }.sorted {
            ($0.modifiedSeconds, $0.name) < ($1.modifiedSeconds, $1.name)
        }
        for entry in finished {
            let (age, overflow) = nowSeconds.subtractingReportingOverflow(entry.modifiedSeconds)
            let reason: Reason
            if let retain = policy.retainSeconds, !overflow, age > retain {
                reason = .age
            } else if let maxBytes = policy.maxBytes, decision.remainingBytes > maxBytes {
                reason = .quota
            } else {
                break   // every later segment is younger, and the directory is within its quota
            }
            decision.deletions.append(Deletion(name: entry.name, bytes: entry.bytes, reason: reason))
            decision.remainingBytes -= max(0, entry.bytes)
        }
        if let maxBytes = policy.maxBytes { decision.overQuota = decision.remainingBytes > maxBytes }
        return decision
    }
}

extension RecorderFileName {
    /// Whether `name` is one `make` produces: `dddd-dd-dd_dd-dd-dd-N.<mp4|ivf|ogg>` with N a
    /// number from 1 without leading zeros (at most 18 digits). Nothing else is ever deleted.
    public static func isRecorderName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        let stamp = "dddd-dd-dd_dd-dd-dd-".utf8
        guard bytes.count > stamp.count else { return false }
        for (byte, pattern) in zip(bytes, stamp) {
            let matches = pattern == UInt8(ascii: "d") ? isDigit(byte) : byte == pattern
            guard matches else { return false }
        }
        let rest = bytes[stamp.count...]
        guard let dot = rest.firstIndex(of: UInt8(ascii: ".")) else { return false }
        let number = rest[..<dot], suffix = rest[(dot + 1)...]
        guard !number.isEmpty, number.count <= 18, number.allSatisfy(isDigit), number.first != UInt8(ascii: "0") else {
            return false
        }
        return RecordingFormat.allCases.contains { Array($0.fileExtension.utf8).elementsEqual(suffix) }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
