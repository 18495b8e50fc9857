import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// SIGHUP: reload the config file. Each signal calls `onSignal` (on a private queue); the
/// default action (exit) is off while it lives.
final class ReloadSignal: @unchecked Sendable {
    private let source: any DispatchSourceSignal

    init(onSignal: @escaping @Sendable () -> Void) {
        signal(SIGHUP, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "rtcbridge.reload"))
        source.setEventHandler(handler: onSignal)
        source.resume()
    }
}
