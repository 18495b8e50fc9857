import Foundation

/// Everything one interop test starts: a fresh network namespace, the processes running in it,
/// and a log folder (`$TMPDIR/rtcbridge-interop/<namespace>/`, kept after the test for reading).
///
/// Use it as
/// ```
/// let scope = try InteropScope()
/// defer { scope.tearDown() }
/// ```
/// `tearDown` terminates every started process (SIGTERM, SIGKILL after 3 s), kills whatever is
/// still inside the namespace and deletes it. It is synchronous and bounded (about 5 s at worst),
/// so it can run from `defer` on every path, including thrown errors and time-limit cancellation.
final class InteropScope: @unchecked Sendable {
    let environment: InteropEnvironment
    let namespace: NetworkNamespace
    let logDirectory: String
    private let lock = NSLock()
    private var processes: [ManagedProcess] = []
    private var labels: [String: Int] = [:]

    init(environment: InteropEnvironment = .current) throws {
        guard let ip = environment.ip else {
            throw InteropError.unexpectedOutput(what: "missing tool", output: "`ip` (iproute2) not found")
        }
        self.environment = environment
        namespace = try NetworkNamespace(ip: ip)
        logDirectory = environment.logRoot + "/" + namespace.name
        do {
            try? FileManager.default.removeItem(atPath: logDirectory)  // a namespace name from an earlier run
            try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        } catch {
            namespace.delete()
            throw error
        }
    }

    /// Starts `argv` inside the namespace (or `other`, e.g. a `NATLab` one); `label` names its
    /// log files (made unique per scope).
    func start(_ label: String, _ argv: [String], environment: [String: String]? = nil,
               in other: NetworkNamespace? = nil) throws -> ManagedProcess {
        let process = try ManagedProcess(
            label: uniqueLabel(label), argv: (other ?? namespace).command(argv),
            logDirectory: logDirectory, environment: environment)
        lock.lock()
        processes.append(process)
        lock.unlock()
        return process
    }

    /// A path for a file of this test (SDP files, request bodies, screenshots).
    func file(_ name: String) -> String {
        logDirectory + "/" + name
    }

    /// Terminates all processes this scope started, then deletes the namespace. Idempotent.
    func tearDown() {
        lock.lock()
        let started = processes
        processes.removeAll()
        lock.unlock()
        ManagedProcess.terminate(started.reversed())
        namespace.delete()
    }

    private func uniqueLabel(_ label: String) -> String {
        lock.lock()
        defer { lock.unlock() }
        let count = labels[label, default: 0]
        labels[label] = count + 1
        return count == 0 ? label : "\(label)-\(count + 1)"
    }
}
