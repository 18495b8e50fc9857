import Foundation

/// A child process whose stdout and stderr go to files, so a test can wait for a line with a
/// deadline and show the log when something fails.
///
/// Foundation starts every child as the leader of its own process group; `terminate` signals that
/// group (the child and anything it forked, e.g. chromedriver → Chromium): SIGTERM, then SIGKILL
/// when it is still alive after the grace period. Every wait is bounded by a deadline and polls
/// the files every 50 ms; the polls are cancellation points, so a test time limit ends them.
final class ManagedProcess: @unchecked Sendable {
    enum Stream: Sendable { case stdout, stderr }

    let label: String
    let commandLine: String
    let stdoutPath: String
    let stderrPath: String
    private let process: Process
    private let lock = NSLock()
    private var killed = false

    /// How often waits look at the log files and the process state.
    static let pollInterval: Duration = .milliseconds(50)

    /// Starts `argv[0]` with the remaining arguments; its output goes to `<logDirectory>/<label>.out|.err`.
    init(label: String, argv: [String], logDirectory: String, environment: [String: String]? = nil) throws {
        guard let executable = argv.first else {
            throw InteropError.unexpectedOutput(what: "empty command line", output: label)
        }
        self.label = label
        commandLine = argv.joined(separator: " ")
        stdoutPath = logDirectory + "/" + label + ".out"
        stderrPath = logDirectory + "/" + label + ".err"
        let files = FileManager.default
        try files.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        for path in [stdoutPath, stderrPath] {
            guard files.createFile(atPath: path, contents: Data("".utf8)) else {
                throw InteropError.unexpectedOutput(what: "cannot create log file", output: path)
            }
        }
        let stdout = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        let stderr = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        defer {
            try? stdout.close()
            try? stderr.close()
        }
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(argv.dropFirst())
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdout
        process.standardError = stderr
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        try Self.runWithDefaultSignalMask(process)
    }

    /// Starts `process` from a fresh thread whose signal mask is empty.
    ///
    /// Foundation spawns the child with the calling thread's signal mask, and the threads of Swift's
    /// concurrency pool block nearly every signal: a child started from a test would inherit a
    /// blocked SIGTERM/SIGINT (seen on Linux: `SigBlk: fffffffe3bfbea27` in the child) and never see
    /// the termination request. A plain thread with an emptied mask avoids that.
    private static func runWithDefaultSignalMask(_ process: Process) throws {
        let outcome = SpawnOutcome()
        let thread = Thread {
            var empty = sigset_t()
            sigemptyset(&empty)
            pthread_sigmask(SIG_SETMASK, &empty, nil)
            outcome.finish(with: Result { try process.run() })
        }
        thread.start()
        try outcome.wait().get()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    /// The exit status (or terminating signal), nil while running.
    var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }
    /// Whether `terminate` had to escalate to SIGKILL.
    var wasKilled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return killed
    }

    /// The whole output of one stream so far.
    func text(_ stream: Stream = .stdout) -> String {
        let path = stream == .stdout ? stdoutPath : stderrPath
        guard let data = FileManager.default.contents(atPath: path) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The complete (newline-terminated) lines of one stream so far.
    func lines(_ stream: Stream = .stdout) -> [String] {
        var all = text(stream).components(separatedBy: "\n")
        all.removeLast()  // the text after the last newline is not a complete line yet
        return all
    }

    /// The last lines of both streams, for failure messages.
    func logTail(lines count: Int = 25) -> String {
        let out = lines(.stdout).suffix(count).map { "  [\(label) out] \($0)" }
        let err = lines(.stderr).suffix(count).map { "  [\(label) err] \($0)" }
        return (out + err).joined(separator: "\n") + "\n  (logs: \(stdoutPath), \(stderrPath))"
    }

    /// Waits until a complete line with index >= `firstIndex` satisfies `predicate`; returns its
    /// index and text. Throws when the deadline passes or the process exits without such a line.
    @discardableResult
    func waitForLine(
        _ stream: Stream = .stdout, from firstIndex: Int = 0, timeout: Duration, what: String,
        where predicate: (String) -> Bool
    ) async throws -> (index: Int, line: String) {
        let deadline = ContinuousClock.now + timeout
        while true {
            let exited = !process.isRunning  // read before the lines: no line written before exit is missed
            let all = lines(stream)
            if firstIndex < all.count {
                for index in firstIndex..<all.count where predicate(all[index]) {
                    return (index, all[index])
                }
            }
            if exited {
                throw InteropError.exitedEarly(label: label, status: process.terminationStatus, log: logTail())
            }
            if ContinuousClock.now >= deadline {
                throw InteropError.timedOut(what: "\(label): \(what)", seconds: timeout.seconds, log: logTail())
            }
            try await Task.sleep(for: Self.pollInterval)
        }
    }

    /// Waits for a line containing a match of the regular expression `pattern`.
    @discardableResult
    func waitForLine(
        matching pattern: String, _ stream: Stream = .stdout, from firstIndex: Int = 0, timeout: Duration
    ) async throws -> (index: Int, line: String) {
        let regex = try Regex(pattern)
        return try await waitForLine(stream, from: firstIndex, timeout: timeout, what: "a line matching /\(pattern)/") {
            $0.contains(regex)
        }
    }

    /// Waits for the process to exit by itself; returns its status.
    func waitForExit(timeout: Duration) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                throw InteropError.timedOut(what: "\(label) to exit", seconds: timeout.seconds, log: logTail())
            }
            try await Task.sleep(for: Self.pollInterval)
        }
        return process.terminationStatus
    }

    /// Waits for the process to exit by itself; when it is still running at the deadline it is
    /// terminated and the wait throws `InteropError.timedOut`.
    func waitForExitOrTerminate(timeout: Duration) async throws -> Int32 {
        do {
            return try await waitForExit(timeout: timeout)
        } catch {
            terminate()
            throw error
        }
    }

    /// Sends `signal` to the process group this child leads (to the child alone if it left it).
    func send(_ signal: Int32) {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        if getpgid(pid) == pid {
            kill(-pid, signal)
        } else {
            kill(pid, signal)
        }
    }

    /// SIGTERM, then SIGKILL after `grace` if still alive; returns once the child is reaped (bounded).
    /// Synchronous so that it can run from `defer`.
    func terminate(grace: Duration = .seconds(3)) {
        Self.terminate([self], grace: grace)
    }

    /// Terminates several processes at once: all get SIGTERM together, share one grace period,
    /// and the survivors get SIGKILL.
    static func terminate(_ processes: [ManagedProcess], grace: Duration = .seconds(3)) {
        let running = processes.filter(\.isRunning)
        guard !running.isEmpty else { return }
        running.forEach { $0.send(SIGTERM) }
        if waitUntilExited(running, deadline: ContinuousClock.now + grace) { return }
        for process in running where process.isRunning {
            process.lock.lock()
            process.killed = true
            process.lock.unlock()
            process.send(SIGKILL)
        }
        _ = waitUntilExited(running, deadline: ContinuousClock.now + .seconds(2))
    }

    private static func waitUntilExited(_ processes: [ManagedProcess], deadline: ContinuousClock.Instant) -> Bool {
        while processes.contains(where: \.isRunning) {
            if ContinuousClock.now >= deadline { return false }
            usleep(20_000)
        }
        return true
    }
}

/// The result of a spawn on another thread, handed back through a semaphore.
private final class SpawnOutcome: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<Void, any Error> = .success(())

    func finish(with result: Result<Void, any Error>) {
        self.result = result
        done.signal()
    }

    func wait() -> Result<Void, any Error> {
        done.wait()
        return result
    }
}

extension Duration {
    /// The duration in seconds, for messages.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
