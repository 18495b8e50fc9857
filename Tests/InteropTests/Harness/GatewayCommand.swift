import Foundation

/// One short-lived `rtcbridge` invocation that is expected to end by itself (argument and config
/// errors, `--help`). It runs outside any namespace; its logs go to
/// `$TMPDIR/rtcbridge-interop/cli-<pid>/`. Callers should pass loopback, ephemeral `--http` and
/// `--webrtc-udp` values so that a gateway that wrongly starts binds nothing that matters.
struct GatewayCommand: Sendable {
    let status: Int32
    let stdout: String
    let stderr: String

    /// Runs `rtcbridge <arguments>` and waits for it to exit; a process still running at the
    /// deadline is terminated and the wait throws `InteropError.timedOut`.
    static func run(
        _ arguments: [String], timeout: Duration = .seconds(10), environment: InteropEnvironment = .current
    ) async throws -> GatewayCommand {
        let process = try ManagedProcess(
            label: "rtcbridge-cli-\(counter.next())", argv: [environment.gatewayBinary] + arguments,
            logDirectory: environment.logRoot + "/cli-\(getpid())")
        let status = try await process.waitForExitOrTerminate(timeout: timeout)
        return GatewayCommand(status: status, stdout: process.text(.stdout), stderr: process.text(.stderr))
    }

    private static let counter = LockedCounter()
}
