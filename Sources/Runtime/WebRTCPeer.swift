import Logging
import NIOCore
import RTCBase
import WebRTC

/// Runtime wrapper of one `WebRTCSession`: drains its outputs onto the shared socket, keeps
/// its single wake-up timer, and hands events to the adapter that owns it (viewer, publisher).
/// Confined to the transport's event loop.
final class WebRTCPeer: @unchecked Sendable {
    let id: String
    let session: WebRTCSession
    unowned let transport: WebRTCTransport
    var addresses: Set<TransportAddress> = []
    var onEvent: (WebRTCSession.Event) -> Void = { _ in }
    private var timer: Scheduled<Void>?
    private var timerDeadline: Instant = .distantFuture
    private var sendCache: (TransportAddress, SocketAddress)?
    private(set) var isClosed = false

    init(id: String, session: WebRTCSession, transport: WebRTCTransport) {
        self.id = id
        self.session = session
        self.transport = transport
    }

    /// Drains the session after any input and re-arms the timer.
    func pump(now: Instant) {
        var wrote = false
        while true {
            switch session.poll() {
            case .transmit(let bytes, let to):
                transport.send(bytes, to: to, cache: &sendCache)
                wrote = true
            case .event(let event):
                if case .iceConnected(let address) = event { transport.learn(address, for: self) }
                if case .closed = event { markClosed() }
                onEvent(event)
            case .timeout(let deadline):
                if wrote { transport.flush() }
                schedule(deadline)
                return
            }
        }
    }

    /// Sends an already-protected media datagram (hot path; caller flushes).
    func sendMedia(_ datagram: [UInt8], to address: TransportAddress) {
        transport.send(datagram, to: address, cache: &sendCache)
    }

    private func schedule(_ deadline: Instant) {
        guard !isClosed else { return }
        if deadline == timerDeadline, timer != nil { return }
        timer?.cancel()
        timerDeadline = deadline
        guard deadline != .distantFuture else { timer = nil; return }
        timer = transport.eventLoop.scheduleTask(deadline: RuntimeClock.deadline(deadline)) { [weak self] in
            guard let self else { return }
            self.timer = nil
            self.timerDeadline = .distantFuture
            let now = RuntimeClock.now()
            self.session.handleTimeout(now: now)
            self.pump(now: now)
        }
    }

    private func markClosed() {
        guard !isClosed else { return }
        isClosed = true
        timer?.cancel()
        timer = nil
        transport.unregister(self)
    }

    /// Local close (DELETE): close_notify goes out, then the peer is unregistered.
    func close(reason: String) {
        session.close(reason: reason)
        pump(now: RuntimeClock.now())
    }
}
