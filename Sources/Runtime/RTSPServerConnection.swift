import Egress
import Foundation
import Ingest
import Logging
import NIOCore
import RTCBase
import RTSP
import Routing

/// One RTSP TCP connection: parses the stream (`RTSPStreamParser`), drives its
/// `RTSPServerSession`, answers the session's questions from the router, and runs the media of
/// the session: a path reader feeding an `RTSPServerPlayback` (PLAY) or an
/// `RTSPServerRecording` publishing into the path (RECORD). Confined to its channel's event loop.
///
/// Backpressure: while the channel is not writable (the peer does not read what we send), parsed
/// requests wait and reading from the socket pauses, so answers never queue without bound; media
/// for a reader is dropped meanwhile (`processPlayback`).
final class RTSPServerConnection: @unchecked Sendable {
    let channel: any Channel
    let server: RTSPServer
    /// The client's address: UDP media goes to this IP (RFC 2326 §12.39 `destination` is ignored).
    let peer: TransportAddress?
    /// The client's IP, as counted for `maxConnectionsPerClient`.
    let clientKey: String
    var logger: Logger
    var parser: RTSPStreamParser
    var session: RTSPServerSession
    var isClosed = false
    /// Reading paused until the peer reads our answers.
    var readingPaused = false
    /// One timer for the session and the playback engines: the earlier of their deadlines.
    let driver: EngineDriver
    var sessionDeadline = Instant.distantFuture
    var playbackDeadline = Instant.distantFuture
    /// UDP destinations (client RTP, client RTCP) per media index, from SETUP.
    var clientPorts: [Int: (rtp: SocketAddress, rtcp: SocketAddress)] = [:]

    // Reading.
    var readPath: Path?
    var reader: PathReader?
    var playback: RTSPServerPlayback?
    /// Set between `acceptPlay` and writing the PLAY answer; media starts after the answer.
    var startMediaAfterAnswer = false
    var drainScheduled = false

    // Publishing.
    var recording: RTSPServerRecording?
    var recordTransports: [Int: RTSPServerTrackTransport] = [:]
    var publishPath: Path?
    var publisher: PublisherToken?
    let localSSRC = SecureRandom.uint32()
    /// RTP packets and bytes the publisher sent (control API).
    var packetsReceived = 0
    var bytesReceived = 0

    /// The id the control API lists and kicks this connection's session by (not the RTSP
    /// Session id, which is part of the protocol).
    let apiID = "rtsp-" + SecureRandom.bytes(6).hexString
    /// When PLAY or RECORD started media (control API).
    var mediaStartedAt: Date?

    init(channel: any Channel, server: RTSPServer) {
        self.channel = channel
        self.server = server
        self.peer = channel.remoteAddress.flatMap { TransportAddress($0) }
        self.clientKey = RTSPServer.clientKey(channel)
        var configuration = RTSPServerConfiguration(sessionTimeout: server.settings.sessionTimeout,
                                                    idleTimeout: server.settings.idleTimeout, nonces: server.nonces)
        configuration.maxNoncesPerConnection = server.settings.maxNoncesPerConnection
        configuration.maxQueuedRequests = server.settings.maxQueuedRequests
        self.parser = RTSPStreamParser(limits: server.settings.limits)
        self.session = RTSPServerSession(configuration: configuration, now: RuntimeClock.now())
        var logger = server.logger
        logger[metadataKey: "rtspClient"] = "\(peer?.description ?? "?")"
        self.logger = logger
        self.driver = EngineDriver(eventLoop: channel.eventLoop)
        driver.onTimeout { [weak self] now in self?.timerFired(now: now) }
        processSession()   // arms the idle timeout
    }

    // MARK: Input

    func receive(_ bytes: [UInt8]) {
        guard !isClosed else { return }
        do {
            try parser.feed(bytes)
        } catch {
            logger.info("RTSP connection closed: \(error)")
            close()
            return
        }
        handleInput()
    }

    /// Handles the buffered messages while the peer takes our answers.
    private func handleInput() {
        do {
            while !isClosed {
                guard channel.isWritable else {
                    pauseReading()
                    return
                }
                guard let item = try parser.next() else { return }
                let now = RuntimeClock.now()
                switch item {
                case .request(let request):
                    session.handle(request, now: now)
                    processSession()
                case .interleaved(let channelID, let payload):
                    guard let route = session.routeInterleaved(channel: channelID, now: now) else { continue }
                    receiveMedia(payload, mediaIndex: route.mediaIndex, isRTCP: route.isRTCP, now: now)
                case .response:
                    break   // answers to nothing we asked (some clients echo keepalives)
                }
            }
        } catch {
            logger.info("RTSP connection closed: \(error)")
            close()
        }
    }

    /// A datagram the server's UDP ports routed here, and the track it belongs to.
    struct RoutedDatagram: Sendable {
        var bytes: [UInt8]
        var mediaIndex: Int
    }

    /// The datagrams of one read burst on the server's RTP (or RTCP) port routed to this
    /// connection, in arrival order (one hop from the ports' loop per burst).
    func receiveDatagrams(_ datagrams: [RoutedDatagram], isRTCP: Bool) {
        guard !isClosed, !datagrams.isEmpty else { return }
        let now = RuntimeClock.now()
        session.noteActivity(now: now)
        for datagram in datagrams where !isClosed {
            receiveMedia(datagram.bytes, mediaIndex: datagram.mediaIndex, isRTCP: isRTCP, now: now)
        }
    }

    private func receiveMedia(_ bytes: [UInt8], mediaIndex: Int, isRTCP: Bool, now: Instant) {
        if isRTCP {
            guard playback != nil else { return }
            playback?.receiveRTCP(bytes)
            processPlayback()
        } else if recording != nil {
            publish(bytes, mediaIndex: mediaIndex, now: now)
        }
    }

    func writabilityChanged() {
        guard channel.isWritable, !isClosed else { return }
        if readingPaused {
            readingPaused = false
            channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
            handleInput()
        }
        if reader != nil { scheduleDrain() }
    }

    /// Stops reading from the socket until the channel is writable again.
    private func pauseReading() {
        guard !readingPaused else { return }
        readingPaused = true
        channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
    }

    /// The TCP connection is gone.
    func closed() {
        guard !isClosed else { return }
        isClosed = true
        session.connectionClosed(now: RuntimeClock.now())
        processSession()
        stopMedia()
        driver.stop()
        server.connectionClosed(self)
    }

    /// Closes the connection; its slot is free before the peer can see the close.
    func close() {
        closed()
        channel.close(promise: nil)
    }

    // MARK: Session outputs

    func processSession() {
        let deadline = driver.drain({ session.poll() }, deadline: { output in
            if case .timeout(let deadline) = output { deadline } else { nil }
        }) { output in
            switch output {
            case .send(let response):
                channel.writeAndFlush(channel.allocator.buffer(bytes: response.serialized()), promise: nil)
                if startMediaAfterAnswer {
                    startMediaAfterAnswer = false
                    startReading()
                }
            case .event(let event):
                handle(event)
            case .timeout:
                break
            }
        }
        if let deadline {
            sessionDeadline = deadline
            rearm()
        }
    }

    private func handle(_ event: RTSPServerEvent) {
        let now = RuntimeClock.now()
        switch event {
        case .lookup(let id, let name, let access):
            session.resolve(id, with: pathInfo(name, access: access), now: now)
        case .wake(let id, let name):
            // The reader is authorized: an on-demand source starts now; DESCRIBE is answered once it
            // publishes (or gives up).
            guard let path = server.router.path(named: name) else {
                session.resolve(id, with: nil, now: now)
                return
            }
            let loop = channel.eventLoop
            let connection = NIOLoopBound(self, eventLoop: loop)
            Task {
                await path.demandPublisher()
                loop.execute {
                    let this = connection.value
                    guard !this.isClosed else { return }
                    this.session.resolve(id, with: this.pathInfo(name, access: .read), now: RuntimeClock.now())
                    this.processSession()
                }
            }
        case .needServerPorts(let id, _, let mediaIndex, let clientRTP, let clientRTCP):
            guard let ports = server.udpPorts, let peer, let rtpPort = UInt16(exactly: ports.rtp),
                  let rtcpPort = UInt16(exactly: ports.rtcp),
                  let rtp = TransportAddress(ip: peer.ip, port: clientRTP), let rtcp = TransportAddress(ip: peer.ip, port: clientRTCP),
                  let rtpAddress = rtp.socketAddress, let rtcpAddress = rtcp.socketAddress else {
                session.rejectTransport(id, now: now)
                return
            }
            server.addRoute(rtp, connection: self, mediaIndex: mediaIndex)
            server.addRoute(rtcp, connection: self, mediaIndex: mediaIndex)
            clientPorts[mediaIndex] = (rtpAddress, rtcpAddress)
            session.provideServerPorts(id, rtp: rtpPort, rtcp: rtcpPort, now: now)
        case .play(let id, let stream):
            preparePlayback(stream)
            session.acceptPlay(id, rtpInfo: playback?.rtpInfo ?? [], now: now)
            startMediaAfterAnswer = playback != nil
        case .pause:
            stopReading()
        case .record(let stream):
            startRecording(stream)
        case .sessionClosed(_, let reason):
            if reason == .timedOut { logger.info("RTSP session timed out") }
            stopMedia()
        case .authenticationFailed(let path, let username):
            // Never the password or the Authorization header.
            logger.warning("RTSP authentication failed", metadata: ["path": "\(path)", "user": "\(username ?? "-")"])
            server.settings.externalAuth?.recordFailure(clientKey)
        case .checkCredentials(let id, let check):
            askExternalAuth(id, check)
        case .closeConnection:
            logger.notice("RTSP connection closed: too many failed authentication attempts")
            close()
        case .connectionIdle:
            logger.debug("RTSP connection idle: closing")
            close()
        }
    }

    /// Asks the gateway's authorizer (JWT, webhook; it may take the webhook's timeout) off the
    /// event loop, then resumes the session with the verdict. Requests behind the parked one wait
    /// in the session's bounded queue; a connection closed meanwhile drops the answer.
    private func askExternalAuth(_ id: RTSPQueryID, _ check: RTSPCredentialCheck) {
        guard let ask = server.settings.externalAuth?.check else {
            session.resolveCredentials(id, .deny, now: RuntimeClock.now())
            return
        }
        let loop = channel.eventLoop
        let connection = NIOLoopBound(self, eventLoop: loop)
        let clientIP = clientKey
        Task {
            let verdict = await ask(check, clientIP)
            loop.execute {
                let this = connection.value
                guard !this.isClosed else { return }
                if verdict != .allow {
                    // Never the password or token.
                    this.logger.warning("RTSP authentication refused", metadata: [
                        "path": "\(check.path)", "user": "\(check.username ?? "-")", "verdict": "\(verdict)",
                    ])
                }
                this.session.resolveCredentials(id, verdict, now: RuntimeClock.now())
                this.processSession()
            }
        }
    }

    /// What the session needs to know about a path.
    private func pathInfo(_ name: String, access: RTSPAccess) -> RTSPPathInfo? {
        guard let path = server.router.path(named: name) else { return nil }
        let authentication = server.authentication(path: name, access: access, clientIP: clientKey)
        switch access {
        case .read:
            let description = path.tracks.map {
                RTSPServerDescription.make(pathName: name, tracks: $0, cachedGOP: path.cachedGOP(),
                                           sessionID: UInt64(SecureRandom.uint32()))
            }
            return RTSPPathInfo(description: description, authentication: authentication, startsOnDemand: description == nil)
        case .publish:
            // A path that is not a publisher path, or already has a publisher, refuses ANNOUNCE (403).
            let allowed = server.publishablePaths.contains(name) && !path.isReady
            return RTSPPathInfo(authentication: authentication, allowsPublishing: allowed)
        }
    }

    // MARK: Timer

    func rearm() {
        guard !isClosed else { return }
        driver.arm(min(sessionDeadline, playbackDeadline))
    }

    private func timerFired(now: Instant) {
        guard !isClosed else { return }
        session.handleTimeout(now: now)
        processSession()
        if playback != nil {
            playback?.handleTimeout(now: now)
            processPlayback()
        }
        rearm()
    }
}
