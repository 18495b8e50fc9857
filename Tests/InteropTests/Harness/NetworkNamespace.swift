import Foundation

/// A fresh network namespace holding only `lo` (127.0.0.1/8, up), so the gateway, Chromium and
/// ffmpeg of one test can reach each other and nothing else: ICE can gather no LAN address, and no
/// test packet can leave loopback. Names are unique per test: `rtcb-<pid>-<counter>`.
///
/// `delete()` is synchronous so that it can run from `defer`; it first kills (SIGKILL, by pid)
/// whatever still runs inside the namespace — only this test's processes can be there — and then
/// removes it. Calling it twice is harmless.
final class NetworkNamespace: @unchecked Sendable {
    let name: String
    private let ip: String
    private let lock = NSLock()
    private var deleted = false

    private static let counter = LockedCounter()

    /// Creates the namespace and brings `lo` up; throws (after cleaning up) when `ip` fails.
    init(ip: String) throws {
        self.ip = ip
        name = "rtcb-\(getpid())-\(Self.counter.next())"
        try Self.run(ip, ["netns", "add", name])
        do {
            try Self.run(ip, ["-n", name, "link", "set", "lo", "up"])
        } catch {
            _ = try? Self.run(ip, ["netns", "delete", name])
            throw error
        }
    }

    deinit { delete() }

    /// `argv` wrapped so that it runs inside this namespace (`ip netns exec NAME argv...`).
    /// `ip netns exec` execs the command, so the started pid is the command's own pid.
    func command(_ argv: [String]) -> [String] {
        [ip, "netns", "exec", name] + argv
    }

    /// Pids of every process whose network namespace is this one.
    func pids() -> [Int32] {
        guard let output = try? Self.run(ip, ["netns", "pids", name]) else { return [] }
        return output.split(whereSeparator: \.isNewline).compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// Whether `ip netns list` still shows the namespace.
    func exists() -> Bool {
        guard let output = try? Self.run(ip, ["netns", "list"]) else { return false }
        return output.split(whereSeparator: \.isNewline).contains { $0.split(separator: " ").first.map(String.init) == name }
    }

    /// Kills leftovers inside the namespace and deletes it.
    func delete() {
        lock.lock()
        defer { lock.unlock() }
        guard !deleted else { return }
        deleted = true
        // Bounded: a few sweeps, each SIGKILLs what is left and gives the kernel 20 ms to reap.
        for _ in 0..<50 {
            let leftovers = pids()
            if leftovers.isEmpty { break }
            for pid in leftovers where pid > 1 && pid != getpid() { kill(pid, SIGKILL) }
            usleep(20_000)
        }
        _ = try? Self.run(ip, ["netns", "delete", name])
    }

    /// Runs `ip` synchronously (it returns in milliseconds) and returns its stdout.
    @discardableResult
    static func run(_ ip: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ip)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw InteropError.commandFailed(
                command: ([ip] + arguments).joined(separator: " "),
                status: process.terminationStatus,
                output: String(decoding: stderr, as: UTF8.self))
        }
        return String(decoding: stdout, as: UTF8.self)
    }
}

/// A thread-safe increasing counter (namespace and log-folder names).
final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
