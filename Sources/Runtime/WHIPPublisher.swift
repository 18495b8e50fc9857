import Codecs
import Ingest
import Logging
import NIOCore
import RTCBase
import RTP
import Routing
import WebRTC

/// Joins one WebRTC publisher session (WHIP) to a path: decrypted RTP is grouped into media
/// units per negotiated track and published; keyframe requests from the path's readers go to
/// the publisher as PLI. Simulcast offers are accepted and one layer (the first SSRC seen on a
/// track) is forwarded. Confined to the transport's event loop.
final class WHIPPublisher: @unchecked Sendable {
    struct Track {
        var info: TrackInfo
        var assembler: RTPUnitAssembler
        var ssrc: UInt32?
        var ignoredPackets = 0
    }

    let peer: WebRTCPeer
    let path: Path
    let token: PublisherToken
    let logger: Logger
    var tracks: [Track]
    var onClosed: (String) -> Void = { _ in }
    private var detached = false

    init(peer: WebRTCPeer, path: Path, token: PublisherToken, tracks: [TrackInfo], logger: Logger) {
        self.peer = peer
        self.path = path
        self.token = token
        self.logger = logger
        self.tracks = tracks.map { info in
            Track(info: info, assembler: RTPUnitAssembler(trackID: info.id, isVideo: info.kind == .video,
                                                          codec: info.codec))
        }
        for info in tracks { peer.session.expectInbound(payloadType: info.payloadType, clockRate: info.clockRate) }
        peer.onEvent = { [weak self] event in self?.handle(event) }
    }

    private func handle(_ event: WebRTCSession.Event) {
        switch event {
        case .iceConnected(let address):
            logger.info("publisher ICE connected", metadata: ["session": "\(peer.id)", "remote": "\(address)"])
        case .connected(let profile):
            logger.info("publisher DTLS connected", metadata: ["session": "\(peer.id)", "srtp": "\(profile)"])
            requestKeyframeFromPeer()
        case .rtp(let packet):
            receive(packet)
        case .keyframeRequested:
            break   // we send nothing to a publisher
        case .closed(let reason):
            logger.info("publisher session closed", metadata: ["session": "\(peer.id)", "reason": "\(reason)"])
            detach()
            onClosed(reason)
        }
    }

    private func receive(_ packet: RTPPacket) {
        guard let index = tracks.firstIndex(where: { $0.info.payloadType == packet.payloadType }) else { return }
        if let ssrc = tracks[index].ssrc, ssrc != packet.ssrc {
            tracks[index].ignoredPackets += 1   // another simulcast layer
            return
        }
        tracks[index].ssrc = packet.ssrc
        for unit in tracks[index].assembler.push(packet, arrival: RuntimeClock.now()) {
            path.publish(unit, token: token)
        }
    }

    /// PLI for every video track's forwarded SSRC (the path already coalesces requests).
    func requestKeyframeFromPeer() {
        let loop = peer.eventLoop
        loop.execute { [self] in
            for track in tracks where track.info.kind == .video {
                if let ssrc = track.ssrc { peer.session.requestKeyframe(mediaSSRC: ssrc) }
            }
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
