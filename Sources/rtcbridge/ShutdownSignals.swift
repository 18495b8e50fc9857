import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM and SIGINT, for the drain: the first of either comes out of `first()`; a second one
/// calls `onSecond` (which exits at once). The default actions are turned off while it lives.
final class ShutdownSignals: @unchecked Sendable {
    private let queue = DispatchQueue(label: "rtcbridge.signals")
    private var sources: [any DispatchSourceSignal] = []
    /// Signals received so far; touched on `queue` only.
    private var received = 0
    private let stream: AsyncStream<Int32>
    private let continuation: AsyncStream<Int32>.Continuation

    init(onSecond: @escaping @Sendable (Int32) -> Void) {
        (stream, continuation) = AsyncStream.makeStream(of: Int32.self, bufferingPolicy: .bufferingOldest(1))
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [self] in
                received += 1
                if received == 1 { continuation.yield(number) } else { onSecond(number) }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// The first signal's number, or nil once `finish()` was called without one.
    func first() async -> Int32? {
        var iterator = stream.makeAsyncIterator()
        return await iterator.next()
    }

    /// Ends the wait in `first()` (the gateway stops for another reason).
    func finish() { continuation.finish() }

    static func name(_ number: Int32) -> String { number == SIGTERM ? "SIGTERM" : number == SIGINT ? "SIGINT" : "signal \(number)" }
}
