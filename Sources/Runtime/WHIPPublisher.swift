import Ingest
import Logging
import NIOCore
import RTCBase
import RTP
import Routing
import WebRTC

/// Joins one WebRTC publisher session (WHIP) to a path: `WHIPIngest` turns its decrypted RTP
/// into media units (one simulcast layer per track), published here; keyframe requests from the
/// path's readers go to the publisher as PLI. Confined to the transport's event loop.
final class WHIPPublisher: @unchecked Sendable {
    let peer: WebRTCPeer
    let path: Path
    let token: PublisherToken
    let logger: Logger
    var ingest: WHIPIngest
    var onClosed: (String) -> Void = { _ in }
    /// The session's data channels on the path's data bus.
    let dataLink: WebRTCDataLink
    private var detached = false

    init(peer: WebRTCPeer, path: Path, token: PublisherToken, tracks: [TrackInfo],
         simulcast: [SimulcastIngestLayout] = [], logger: Logger) {
        self.peer = peer
        self.path = path
        self.token = token
        self.logger = logger
        self.ingest = WHIPIngest(tracks: tracks, simulcast: simulcast)
        for info in tracks { peer.session.expectInbound(payloadType: info.payloadType, clockRate: info.clockRate) }
        dataLink = WebRTCDataLink(peer: peer, bus: path.dataBus, role: .source, logger: logger)
        peer.onEvent = { [weak self] event in self?.handle(event) }
    }

    private func handle(_ event: WebRTCSession.Event) {
        switch event {
        case .iceConnected(let address):
            logger.debug("publisher ICE connected", metadata: peer.logMetadata.merging(["remote": "\(address)"]) { $1 })
        case .connected(let profile):
            peer.logConnected(logger, srtp: "\(profile)")
            requestKeyframeFromPeer()
        case .rtp(let packet):
            receive(packet)
        case .keyframeRequested:
            break   // we send nothing to a publisher
        case .dataChannel(let event):
            dataLink.handle(event)
        case .closed(let reason):
            let counters = peer.session.counters
            peer.logClosed(logger, reason: reason,
                           extra: ["feedback": "transportWideFeedback=\(counters.transportWideFeedbackSent) remb=\(counters.rembSent)"])
            detach()
            dataLink.detach()
            onClosed(reason)
        }
    }

    private func receive(_ packet: RTPPacket) {
        for unit in ingest.receive(packet, arrival: RuntimeClock.now()) { path.publish(unit, token: token) }
    }

    /// PLI for every video track's forwarded SSRC (the path already coalesces requests).
    func requestKeyframeFromPeer() {
        let loop = peer.eventLoop
        loop.execute { [self] in
            for ssrc in ingest.videoSSRCs { peer.session.requestKeyframe(mediaSSRC: ssrc) }
            peer.pump(now: RuntimeClock.now())
        }
    }

    private func detach() {
        guard !detached else { return }
        detached = true
        path.detachPublisher(token)
    }

    func close(reason: String) {
        peer.close(reason: reason)
        detach()
    }
}
