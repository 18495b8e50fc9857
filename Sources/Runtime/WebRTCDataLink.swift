import Logging
import NIOCore
import RTCBase
import Routing
import SCTP
import WebRTC

/// Joins one WebRTC session's data channels to its path's data bus (issue #9): every message
/// the peer sends on any channel is published on the bus, and every message the bus queues for
/// the session goes out on each of its open channels. The bus reader exists while at least one
/// channel is open. Confined to the peer's event loop.
final class WebRTCDataLink: @unchecked Sendable {
    let peer: WebRTCPeer
    let bus: DataBus
    let role: DataBus.Role
    let logger: Logger
    private(set) var reader: DataBusReader?
    private var retryScheduled = false
    /// Messages at most one drain pass moves; SCTP bytes waiting before draining pauses (the bus
    /// queue then absorbs bursts and drops for this session alone).
    static let messagesPerPass = 256
    static let maxBufferedBytes = 1 << 20

    init(peer: WebRTCPeer, bus: DataBus, role: DataBus.Role, logger: Logger) {
        self.peer = peer
        self.bus = bus
        self.role = role
        self.logger = logger
    }

    func handle(_ event: DataChannelEvent) {
        switch event {
        case .opened(let id, let label, _):
            logger.info("data channel open", metadata: ["session": "\(peer.id)", "channel": "\(id)", "label": "\(label)"])
            attach()
        case .message(_, _, let payload):
            guard let reader else { return }
            let message: DataMessage
            switch payload {
            case .text(let bytes): message = DataMessage(payload: bytes, isText: true)
            case .binary(let bytes): message = DataMessage(payload: bytes, isText: false)
            }
            bus.publish(message, from: reader)
        case .closed(let id, _):
            logger.info("data channel closed", metadata: ["session": "\(peer.id)", "channel": "\(id)"])
            if peer.session.dataChannels.isEmpty { detach() }
        }
    }

    private func attach() {
        guard reader == nil else { return }
        let loop = peer.eventLoop
        do {
            reader = try bus.addReader(role: role, kind: role == .viewer ? "whep" : "whip", name: peer.metricsID) {
                [weak self] in
                guard let self else { return }
                loop.execute { self.drain() }
            }
        } catch {
            logger.warning("data bus refused the session: \(error)", metadata: ["session": "\(peer.id)"])
        }
    }

    func detach() {
        if let reader { bus.removeReader(reader) }
        reader = nil
    }

    /// Sends what the bus queued for this session, in bounded passes; pauses while SCTP holds too
    /// many bytes (retried on a short timer).
    func drain() {
        guard let reader, !peer.isClosed else { return }
        let session = peer.session
        let now = RuntimeClock.now()
        let channels = session.dataChannels.values.filter { $0.state == .open }.map(\.id).sorted()
        guard session.dataChannelBufferedAmount < Self.maxBufferedBytes else {
            scheduleRetry()
            return
        }
        let messages = reader.drain(max: Self.messagesPerPass)
        for message in messages {
            let payload: DataChannelSession.Payload = message.isText ? .text(message.payload) : .binary(message.payload)
            for id in channels {
                do { try session.sendData(payload, on: id, now: now) } catch {
                    logger.debug("data channel send failed: \(error)", metadata: ["session": "\(peer.id)"])
                }
            }
        }
        peer.pump(now: now)
        if messages.count == Self.messagesPerPass {
            peer.eventLoop.execute { [weak self] in self?.drain() }
        }
    }

    private func scheduleRetry() {
        guard !retryScheduled else { return }
        retryScheduled = true
        peer.eventLoop.scheduleTask(in: .milliseconds(5)) { [weak self] in
            self?.retryScheduled = false
            self?.drain()
        }
    }
}
