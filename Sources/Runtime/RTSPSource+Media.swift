import Ingest
import NIOCore
import NIOPosix
import RTCBase
import RTSP
import Routing

extension RTSPSource {
    // MARK: - Tracks (on eventLoop)

    /// DESCRIBE answered: the attempt's media (which tracks are bridged is `RTSPSourceMedia`'s call).
    func describe(_ described: [RTSPTrack]) {
        let media = RTSPSourceMedia(described: described, localSSRC: localSSRC)
        for notice in media.notices where loggedNotices.insert(notice).inserted { logger.warning("\(notice)") }
        self.media = media
        if !media.isUsable { attemptFailed("the camera offers no track RTCBridge can bridge") }
    }

    /// Binds an RTP/RTCP pair (even RTP port, RTCP one above, RFC 3550 §11) on the address the
    /// camera connection uses, and hands the ports to the session.
    func bindPorts(track index: Int) {
        let id = connectionID
        let host = connection?.localAddress?.ipAddress ?? "0.0.0.0"
        let task = eventLoop.makeFutureWithTask { [self] in
            try await bindPair(host: host, track: index, connection: id)
        }
        task.whenComplete { [self] result in
            guard id == connectionID, let media, index < media.tracks.count else {
                if case .success(let pair) = result { _ = [pair.rtp, pair.rtcp].map { $0.close(promise: nil) } }
                return
            }
            switch result {
            case .success(let pair):
                channels[index] = pair
                session?.providePorts(track: index, rtp: UInt16(clamping: pair.rtp.localAddress?.port ?? 0),
                                      rtcp: UInt16(clamping: pair.rtcp.localAddress?.port ?? 0), now: clock.now())
                drain()
            case .failure(let error):
                attemptFailed("cannot bind UDP ports on \(host): \(error)")
            }
        }
    }

    private func bindPair(host: String, track: Int, connection id: Int) async throws -> (rtp: any Channel, rtcp: any Channel) {
        for _ in 0..<32 {
            let rtp = try await bind(host: host, port: 0) { [self] bytes, from in
                guard id == connectionID else { return }
                receiveRTP(bytes, track: track, from: TransportAddress(from), now: clock.now())
            }
            guard let port = rtp.localAddress?.port, port % 2 == 0, port < 65534 else {
                try? await rtp.close()
                continue
            }
            do {
                let rtcp = try await bind(host: host, port: port + 1) { [self] bytes, _ in
                    guard id == connectionID else { return }
                    media?.receiveRTCP(bytes, track: track, now: clock.now())
                }
                return (rtp, rtcp)
            } catch {
                try? await rtp.close()
            }
        }
        throw SourceError.unusable("no free even/odd UDP port pair")
    }

    private func bind(host: String, port: Int, onDatagram: @escaping @Sendable ([UInt8], SocketAddress) -> Void) async throws -> any Channel {
        try await DatagramBootstrap(group: eventLoop)
            .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DatagramReceiver(onDatagram))
                }
            }
            .bind(host: host, port: port).get()
    }

    /// PLAY answered: the media learns where RTCP goes, the state machine starts its watchdog.
    func play(_ playback: RTSPPlayback) {
        media?.play(playback, cameraIP: connection?.remoteAddress?.ipAddress)
        let usesTCP = session?.usesTCP == true
        update { $0.playing(now: $1, usesTCP: usesTCP) }
        logger.info("RTSP source playing", metadata: ["transport": "\(usesTCP ? "tcp" : "udp")",
                                                       "tracks": "\((media?.trackNames ?? []).joined(separator: ", "))"])
    }

    /// Stops the media of the current attempt: sockets and publisher.
    func closeMedia() {
        for pair in channels.values {
            pair.rtp.close(promise: nil)
            pair.rtcp.close(promise: nil)
        }
        channels = [:]
        media = nil
        if let publisher {
            path.detachPublisher(publisher)
            logger.info("RTSP source detached from the path; viewers wait for the camera")
        }
        publisher = nil
    }

    // MARK: - Media in

    /// `from` is the UDP sender (nil for media on the RTSP connection).
    func receiveRTP(_ bytes: [UInt8], track index: Int, from: TransportAddress?, now: Instant) {
        guard let (units, ssrcChanged) = media?.receiveRTP(bytes, track: index, from: from, now: now) else { return }
        machine.mediaReceived(now: now, overUDP: from != nil)
        if ssrcChanged { logger.info("RTSP source changed SSRC") }
        for unit in units {
            if unit.isKeyframe, publisher == nil { attachIfReady() }
            guard let publisher else { continue }
            path.publish(unit, token: publisher)
        }
    }

    /// Attaches once every bridged video track saw a keyframe.
    func attachIfReady() {
        guard publisher == nil, let media, media.isReady else { return }
        do {
            publisher = try path.attachPublisher(tracks: media.infos) { [weak self] in
                guard let self else { return }
                self.eventLoop.execute {
                    for (route, bytes) in self.media?.pictureLossIndications() ?? [] { self.sendRTCP(bytes, route: route) }
                }
            }
            let delay = machine.playingSince.map { RTSPSourceStateMachine.seconds(clock.now() - $0) } ?? "?"
            logger.info("RTSP source publishing", metadata: ["firstKeyframeAfterPlay": "\(delay) s"])
            resumeReadyWaiters()
        } catch {
            logger.error("cannot publish RTSP source: \(error)")
        }
    }

    // MARK: - RTCP out

    func sendRTCP(_ bytes: [UInt8], route: RTSPSourceMedia.RTCPRoute) {
        switch route {
        case .udp(let track, let to):
            guard let channel = channels[track]?.rtcp, let address = to.socketAddress else { return }
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: channel.allocator.buffer(bytes: bytes)), promise: nil)
        case .interleaved:
            write(bytes)
        }
    }
}
