import Egress
import Logging
import NIOCore
import RTCBase
import RTP
import Routing
import SDP
import WebRTC

/// Joins one WebRTC viewer session to a path: drains the path reader on the peer's event loop and
/// protects what `ViewerForwarder` produces straight into that loop's send batch. Confined to the
/// peer's event loop.
final class WHEPViewer: @unchecked Sendable {
    let peer: WebRTCPeer
    let path: Path
    let logger: Logger
    var forwarder: ViewerForwarder
    var reader: PathReader?
    var onClosed: (String) -> Void = { _ in }
    /// The session's data channels on the path's data bus.
    let dataLink: WebRTCDataLink

    init(peer: WebRTCPeer, path: Path, outputs: [TrackKind: ViewerForwarder.Output], logger: Logger) {
        self.peer = peer
        self.path = path
        self.logger = logger
        self.forwarder = ViewerForwarder(outputs: outputs)
        dataLink = WebRTCDataLink(peer: peer, bus: path.dataBus, role: .viewer, logger: logger)
        peer.onEvent = { [weak self] event in self?.handle(event) }
        peer.readerStats = { [weak self] in self?.reader?.stats }
        peer.freezeStats = { [weak self] now in self?.forwarder.freezes.statistics(at: now) }
    }

    private func handle(_ event: WebRTCSession.Event) {
        switch event {
        case .iceConnected(let address):
            logger.debug("ICE connected", metadata: peer.logMetadata.merging(["remote": "\(address)"]) { $1 })
        case .connected(let profile):
            peer.logConnected(logger, srtp: "\(profile)")
            attachReader()
        case .keyframeRequested(let ssrc):
            // Ask the source (coalesced by the path) and answer from the GOP cache right away.
            path.requestKeyframe()
            guard forwarder.outputs[.video]?.ssrc == ssrc else { return }
            drain()
            let now = RuntimeClock.now()
            forwarder.replay(path.cachedGOP(), session: peer.session, now: now) { peer.sendMedia($0, now: now) }
        case .rtp:
            break   // viewers do not publish
        case .dataChannel(let event):
            dataLink.handle(event)
        case .closed(let reason):
            peer.logClosed(logger, reason: reason)
            detachReader()
            dataLink.detach()
            onClosed(reason)
        }
    }

    /// The reader is added only once DTLS is up, so the viewer's first unit is the cached keyframe.
    private func attachReader() {
        guard reader == nil else { return }
        let socket = peer.socket
        do {
            reader = try path.addReader(wake: { [weak self] in
                if let self { socket.scheduleDrain(self) }
            })
            drain()
        } catch {
            logger.warning("cannot read path: \(error)", metadata: peer.logMetadata)
            peer.close(reason: "path refused reader: \(error)")
        }
    }

    private func detachReader() {
        if let reader { path.removeReader(reader) }
        reader = nil
    }

    /// Moves queued units from the path to the socket, in bounded batches.
    func drain() {
        guard let reader, !peer.isClosed else { return }
        let more = reader.drain { events in
            let now = RuntimeClock.now()
            for event in events {
                switch event {
                case .sourceEnded:
                    logger.info("source ended; waiting for it to return", metadata: peer.logMetadata)
                case .pathClosed:
                    peer.close(reason: "path removed")
                    return false
                default:
                    break
                }
                forwarder.handle(event, session: peer.session, now: now) { peer.sendMedia($0, now: now) }
            }
            return !peer.isClosed
        }
        if peer.firstMediaAt == nil, forwarder.unitsForwarded > 0 { peer.firstMediaAt = RuntimeClock.now() }
        if more { peer.socket.scheduleDrain(self) }
    }

    func close(reason: String) {
        peer.close(reason: reason)
    }
}
