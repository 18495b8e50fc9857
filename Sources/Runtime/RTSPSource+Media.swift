import Ingest
import NIOCore
import NIOPosix
import RTCBase
import RTP
import RTSP
import Routing

extension RTSPSource {
    // MARK: - Tracks (on eventLoop)

    /// DESCRIBE answered: one track per set-up media section. H.264, H.265, PCMU/PCMA and Opus pass
    /// through; AAC is kept (RTSP/RTP/recording outputs use it); MJPEG is skipped.
    func describe(_ described: [RTSPTrack]) {
        tracks = described.map { track in
            var info = try? IngestTrack.trackInfo(id: track.index, media: track.media)
            if info?.encodingName.uppercased() == "JPEG" {
                notice("MJPEG is not supported for WebRTC viewers; the camera's MJPEG track is skipped")
                info = nil
            } else if let codec = info?.codec, codec.kind == .audio, !codec.webRTCCompatible {
                notice("\(codec.name) audio is not bridged to WebRTC yet; the track still goes to RTSP, RTP and recording outputs")
            } else if info == nil {
                notice("media section \(track.mediaIndex) has no usable RTP format; skipped")
            }
            return RTSPSourceTrack(ingest: info.map(IngestTrack.init(info:)), clockRate: info?.clockRate ?? 90000,
                                   payloadType: info?.payloadType)
        }
        if !tracks.contains(where: { $0.ingest != nil }) {
            attemptFailed("the camera offers no track RTCBridge can bridge")
        }
    }

    /// Logs a message once per source.
    func notice(_ message: String) {
        guard loggedNotices.insert(message).inserted else { return }
        logger.warning("\(message)")
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
            guard id == connectionID, index < tracks.count else {
                if case .success(let pair) = result { _ = [pair.rtp, pair.rtcp].map { $0.close(promise: nil) } }
                return
            }
            switch result {
            case .success(let pair):
                tracks[index].rtpChannel = pair.rtp
                tracks[index].rtcpChannel = pair.rtcp
                session?.providePorts(track: index, rtp: UInt16(clamping: pair.rtp.localAddress?.port ?? 0),
                                      rtcp: UInt16(clamping: pair.rtcp.localAddress?.port ?? 0), now: RuntimeClock.now())
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
                receiveRTP(bytes, track: track, from: from, now: RuntimeClock.now())
            }
            guard let port = rtp.localAddress?.port, port % 2 == 0, port < 65534 else {
                try? await rtp.close()
                continue
            }
            do {
                let rtcp = try await bind(host: host, port: port + 1) { [self] bytes, _ in
                    guard id == connectionID else { return }
                    receiveRTCP(bytes, track: track, now: RuntimeClock.now())
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

    /// PLAY answered: remember where RTCP goes, start the media watchdog.
    func play(_ playback: RTSPPlayback) {
        let now = RuntimeClock.now()
        let cameraIP = connection?.remoteAddress?.ipAddress
        for playing in playback.tracks where playing.track.index < tracks.count {
            let index = playing.track.index
            tracks[index].transport = playing.transport
            if case .udp(_, _, _, let serverRTCP, let source) = playing.transport, let ip = source ?? cameraIP {
                tracks[index].allowedSource = (try? SocketAddress(ipAddress: ip, port: 0)).flatMap(TransportAddress.init)?.ip
                if let serverRTCP {
                    tracks[index].rtcpDestination = try? SocketAddress(ipAddress: ip, port: Int(serverRTCP))
                }
            }
        }
        playingSince = now
        lastMediaAt = now
        lastReportAt = now
        udpMediaSeen = false
        mediaTimer?.cancel()
        mediaTimer = eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(500), delay: .milliseconds(500)) { [weak self] _ in
            self?.tick()
        }
        let names = tracks.compactMap { $0.ingest.map { "\($0.info.encodingName)/\($0.info.clockRate)" } }
        logger.info("RTSP source playing", metadata: ["transport": "\(session?.usesTCP == true ? "tcp" : "udp")",
                                                       "tracks": "\(names.joined(separator: ", "))"])
    }

    /// Watchdog: UDP → TCP fallback, dead stream, receiver reports.
    func tick() {
        guard let since = playingSince, session != nil else { return }
        let now = RuntimeClock.now()
        if session?.usesTCP == false, !udpMediaSeen, now - since >= timing.udpMediaTimeout {
            logger.warning("RTSP source: no UDP media within \(Self.seconds(timing.udpMediaTimeout)) s",
                           metadata: ["fallback": "\(spec.transport == .automatic ? "tcp" : "none")"])
            session?.reportNoUDPMedia(now: now)
            drain()
            return
        }
        if now - lastMediaAt >= timing.deadStreamTimeout {
            attemptFailed("no media for \(Self.seconds(now - lastMediaAt)) s (dead stream)")
            return
        }
        if now - lastReportAt >= timing.reportInterval {
            lastReportAt = now
            sendReceiverReports(now: now)
        }
    }

    /// Stops the media of the current attempt: sockets, watchdog, publisher.
    func closeMedia() {
        mediaTimer?.cancel()
        mediaTimer = nil
        for track in tracks { track.channels.forEach { $0.close(promise: nil) } }
        tracks = []
        playingSince = nil
        if let publisher {
            path.detachPublisher(publisher)
            logger.info("RTSP source detached from the path; viewers wait for the camera")
        }
        publisher = nil
    }

    // MARK: - Media in

    func receiveRTP(_ bytes: [UInt8], track index: Int, from: SocketAddress?, now: Instant) {
        guard index < tracks.count, let payloadType = tracks[index].payloadType else { return }
        if let from, let allowed = tracks[index].allowedSource, TransportAddress(from)?.ip != allowed {
            tracks[index].rejected += 1
            return
        }
        guard let packet = try? RTPPacket(parsing: bytes), packet.payloadType == payloadType else {
            tracks[index].rejected += 1
            return
        }
        lastMediaAt = now
        if from != nil { udpMediaSeen = true }
        if tracks[index].statistics?.ssrc != packet.ssrc {
            tracks[index].statistics = ReceiverStatistics(ssrc: packet.ssrc, clockRate: tracks[index].clockRate)
        }
        tracks[index].statistics?.handle(sequenceNumber: packet.sequenceNumber, rtpTimestamp: packet.timestamp, arrival: now)
        guard let (units, ssrcChanged) = tracks[index].ingest?.receive(packet, arrival: now) else { return }
        if ssrcChanged { logger.info("RTSP source changed SSRC", metadata: ["ssrc": "\(packet.ssrc)"]) }
        for unit in units {
            if unit.isKeyframe, publisher == nil { attachIfReady() }
            guard let publisher else { continue }
            path.publish(unit, token: publisher)
        }
    }

    func receiveRTCP(_ bytes: [UInt8], track index: Int, now: Instant) {
        guard index < tracks.count, let packets = try? RTCPCompound.parse(bytes) else { return }
        for case .senderReport(let report) in packets where report.ssrc == tracks[index].statistics?.ssrc {
            tracks[index].statistics?.handleSenderReport(ntpTimestamp: report.ntpTimestamp, arrival: now)
        }
    }

    /// Attaches once every bridged video track saw a keyframe.
    func attachIfReady() {
        let ingests = tracks.compactMap(\.ingest)
        guard publisher == nil, !ingests.isEmpty, ingests.allSatisfy(\.isReady) else { return }
        do {
            publisher = try path.attachPublisher(tracks: ingests.map(\.info)) { [weak self] in
                guard let self else { return }
                self.eventLoop.execute { self.sendPictureLossIndications() }
            }
            let delay = playingSince.map { Self.seconds(RuntimeClock.now() - $0) } ?? "?"
            logger.info("RTSP source publishing", metadata: ["firstKeyframeAfterPlay": "\(delay) s"])
            resumeReadyWaiters()
        } catch {
            logger.error("cannot publish RTSP source: \(error)")
        }
    }

    // MARK: - RTCP out

    /// RFC 3550 §6.4.2 receiver report plus SDES CNAME (§6.1: compound packets carry one), per track.
    func sendReceiverReports(now: Instant) {
        for index in tracks.indices {
            guard var statistics = tracks[index].statistics else { continue }
            let report = statistics.makeReceptionReport(now: now)
            tracks[index].statistics = statistics
            sendRTCP(RTCPCompound.serialize([
                .receiverReport(RTCPReceiverReport(ssrc: localSSRC, reports: [report])),
                .sourceDescription(RTCPSourceDescription(cname: "rtcbridge", ssrc: localSSRC)),
            ]), track: index)
        }
    }

    /// RFC 4585 §6.3.1 PLI to every video track's sender, after an empty RR (compound rule).
    func sendPictureLossIndications() {
        for index in tracks.indices where tracks[index].ingest?.info.kind == .video {
            guard let ssrc = tracks[index].statistics?.ssrc else { continue }
            sendRTCP(RTCPCompound.serialize([
                .receiverReport(RTCPReceiverReport(ssrc: localSSRC)),
                .pictureLossIndication(RTCPPictureLossIndication(senderSSRC: localSSRC, mediaSSRC: ssrc)),
            ]), track: index)
        }
    }

    func sendRTCP(_ bytes: [UInt8], track index: Int) {
        switch tracks[index].transport {
        case .udp:
            guard let channel = tracks[index].rtcpChannel, let to = tracks[index].rtcpDestination else { return }
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: to, data: channel.allocator.buffer(bytes: bytes)), promise: nil)
        case .interleaved(_, let rtcp):
            guard let connection, let length = UInt16(exactly: bytes.count) else { return }
            var buffer = connection.allocator.buffer(capacity: bytes.count + 4)
            buffer.writeInteger(UInt8(0x24))
            buffer.writeInteger(rtcp)
            buffer.writeInteger(length)
            buffer.writeBytes(bytes)
            connection.writeAndFlush(buffer, promise: nil)
        case nil:
            return
        }
    }
}
