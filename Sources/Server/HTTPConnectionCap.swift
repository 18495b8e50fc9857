import Logging
import NIOCore
import Synchronization

/// A hard cap on open HTTP connections: each connection's pipeline holds one `Handler`, which
/// counts the connection while it is open and closes it at once when it would exceed `limit`.
/// (Hummingbird's accept backpressure alone lets a burst of connections through, because one
/// accept read takes several connections before it looks at the count.)
final class HTTPConnectionCap: Sendable {
    let limit: Int
    private let open = Atomic<Int>(0)
    private let refused = Atomic<Int>(0)
    private let logger: Logger

    init(limit: Int, logger: Logger) {
        self.limit = max(1, limit)
        self.logger = logger
    }

    /// Connections open now, and refused so far.
    var openConnections: Int { open.load(ordering: .relaxed) }
    var refusedConnections: Int { refused.load(ordering: .relaxed) }

    func makeHandler() -> Handler { Handler(cap: self) }

    final class Handler: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
        typealias InboundIn = NIOAny
        let cap: HTTPConnectionCap
        private var counted = false

        init(cap: HTTPConnectionCap) { self.cap = cap }

        func handlerAdded(context: ChannelHandlerContext) {
            let now = cap.open.add(1, ordering: .relaxed).newValue
            counted = true
            guard now > cap.limit else { return }
            let total = cap.refused.add(1, ordering: .relaxed).newValue
            if total == 1 || total.isMultiple(of: 100) {
                cap.logger.warning("HTTP connection refused: \(cap.limit) connections open (http.maxConnections); \(total) refused so far")
            }
            context.close(promise: nil)
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            release()
        }

        func channelInactive(context: ChannelHandlerContext) {
            release()
            context.fireChannelInactive()
        }

        private func release() {
            guard counted else { return }
            counted = false
            cap.open.subtract(1, ordering: .relaxed)
        }
    }
}
