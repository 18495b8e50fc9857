import Codecs
import DTLS
import Egress
import ICE
import Logging
import NIOCore
import RTCBase
import Routing
import SDP
import WHIP
import WebRTC

/// The gateway as a WHIP/WHEP client for one path: `--forward NAME=whip://…` pushes the path to a
/// remote WHIP endpoint, `--path NAME=whep://…` pulls a remote stream into the path. It offers
/// (SDPOfferer), runs a full-ICE controlling session over the gateway's WebRTC socket, joins it to
/// the path like a WHEP viewer (push) or a WHIP publisher (pull), and re-offers with backoff when
/// the remote fails or goes away (`WHIPClient`). Confined to its socket's event loop.
final class WebRTCClientLink: @unchecked Sendable {
    let pathName: String
    let target: WHIPClientTarget
    let endpoint: WebRTCEndpoint
    let socket: WebRTCSocket
    let logger: Logger
    let http: WHIPHTTPTransport
    var eventLoop: any EventLoop { socket.eventLoop }
    private var machine: WHIPClient
    /// The offer waiting for its answer: what the session is built from.
    private var offer: (sdp: SessionDescription, codecs: [CodecCapability], local: ICECredentials,
                        tracks: [MediaKind: LocalTrack])?
    private var current: (peer: WebRTCPeer, close: (String) -> Void)?
    private var timer: Scheduled<Void>?
    private var stopped: EventLoopPromise<Void>?
    /// When the last POST went out and whether its session forwarded media, for the first-media log.
    private var offeredAt: Instant?
    /// Attempts made (for logs and tests), and the last failure's reason.
    private(set) var attempts = 0
    private(set) var lastError: String?
    /// Called (on the event loop) with the reason when the remote failed for good.
    var onGaveUp: (@Sendable (String) -> Void)?

    init(pathName: String, target: WHIPClientTarget, endpoint: WebRTCEndpoint, logger: Logger,
         configuration: WHIPClientConfiguration = .init(), requestTimeout: Duration = .seconds(10)) {
        self.pathName = pathName
        self.target = target
        self.endpoint = endpoint
        self.socket = endpoint.transport.assignSocket()
        self.logger = logger
        self.http = WHIPHTTPTransport(bearerToken: target.bearerToken, timeout: requestTimeout)
        self.machine = WHIPClient(endpoint: target.endpoint, configuration: configuration)
    }

    func start() {
        eventLoop.execute { [self] in makeOffer() }
    }

    /// DELETE the remote resource and end the session; completes once the DELETE was answered
    /// (or failed, or `timeout` passed).
    func stop(timeout: Duration = .seconds(5)) async {
        let done = eventLoop.makePromise(of: Void.self)
        eventLoop.execute { [self] in
            stopped = done
            timer?.cancel()
            // Failed for good already: nothing to DELETE, and the machine has no `.stopped` to tell.
            if case .stopped = machine.state { done.succeed(()) }
            // The DELETE first: the session's end must not look like a failure to re-offer after.
            machine.stop(now: RuntimeClock.now())
            let ending = current
            current = nil
            ending?.close("client stopped")
            pump()
        }
        let guardTimer = eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000)) {
            done.succeed(())
        }
        try? await done.futureResult.get()
        guardTimer.cancel()
    }

    // MARK: offer / answer

    private func makeOffer() {
        guard stopped == nil, case .idle = machine.state else { return }
        let local = ICECredentials.generate()
        var sections: [OfferOptions.Section] = []
        var tracks: [MediaKind: LocalTrack] = [:]
        var codecs: [CodecCapability] = []
        switch target.role {
        case .publish:
            guard let path = endpoint.router.path(named: pathName), let pathTracks = path.tracks else {
                // Nothing to push yet: look again shortly (the path's source is still starting).
                schedule(at: RuntimeClock.now() + .milliseconds(500)) { [self] in makeOffer() }
                return
            }
            for info in pathTracks {
                let kind: MediaKind = info.kind == .video ? .video : .audio
                guard tracks[kind] == nil else { continue }
                let track = LocalTrack(ssrc: SecureRandom.uint32() | 1, cname: "rtcbridge-\(local.ufrag)",
                                       streamID: pathName, trackID: "\(pathName)-\(kind)")
                tracks[kind] = track
                codecs.append(info.codecCapability)
                sections.append(.init(kind: kind, direction: .sendonly, codecs: [info.codecCapability], localTrack: track))
            }
        case .play:
            codecs = WebRTCEndpoint.publishCodecs
            sections = [.init(kind: .video, direction: .recvonly, codecs: codecs),
                        .init(kind: .audio, direction: .recvonly, codecs: codecs)]
        }
        let fingerprint = endpoint.certificate.fingerprint
        let options = OfferOptions(iceUfrag: local.ufrag, icePwd: local.password,
                                   fingerprint: SDPFingerprint(algorithm: fingerprint.algorithm, value: fingerprint.value),
                                   candidates: Array(endpoint.candidates().prefix(1)), sections: sections,
                                   sessionID: UInt64(SecureRandom.uint32()) << 16)
        do {
            let sdp = try SDPOfferer.offer(options)
            offer = (sdp, codecs, local, tracks)
            attempts += 1
            offeredAt = RuntimeClock.now()
            machine.publish(offer: sdp.serialized(), now: RuntimeClock.now())
        } catch {
            logger.error("cannot make an offer", metadata: metadata(["reason": "\(error)"]))
            schedule(at: RuntimeClock.now() + .seconds(1)) { [self] in makeOffer() }
        }
        pump()
    }

    /// Builds the session from the answer and joins it to the path; a bad answer ends the
    /// attempt like a failed session (the machine DELETEs the resource and backs off).
    private func accept(_ answer: WHIPClient.Answer) {
        do {
            try startSession(answer)
        } catch {
            lastError = "\(error)"
            logger.warning("answer unusable", metadata: metadata(["reason": "\(error)"]))
            machine.sessionFailed("answer unusable: \(error)", now: RuntimeClock.now())
        }
    }

    private func startSession(_ answer: WHIPClient.Answer) throws {
        guard let offer else { throw SourceError.unusable("no offer pending") }
        let parsed = try SessionDescription(parsing: answer.sdp, limits: endpoint.configuration.sdpLimits)
        let accepted = try SDPOfferer.accept(answer: parsed, to: offer.sdp, codecs: offer.codecs)
        let remoteCandidates: [ICECandidate] = accepted.remoteCandidates.compactMap { candidate in
            guard candidate.transport.lowercased() == "udp", candidate.component == 1,
                  let address = TransportAddress(host: candidate.address, port: candidate.port) else { return nil }
            return ICECandidate(type: .host, address: address, priority: candidate.priority, foundation: candidate.foundation)
        }
        guard !remoteCandidates.isEmpty else { throw SourceError.unusable("the answer has no usable UDP candidate") }
        guard let localCandidate = endpoint.candidates().first,
              let localAddress = TransportAddress(host: localCandidate.address, port: localCandidate.port) else {
            throw SourceError.unusable("no local host candidate")
        }
        var configuration = WebRTCSession.Configuration(
            certificate: endpoint.certificate, localCredentials: offer.local,
            remoteCredentials: ICECredentials(ufrag: accepted.remoteUfrag, password: accepted.remotePwd),
            remoteFingerprint: DTLSFingerprint(algorithm: accepted.remoteFingerprint.algorithm.lowercased(),
                                               value: accepted.remoteFingerprint.value.uppercased()),
            dtlsRole: accepted.localSetup == .active ? .client : .server, cname: "rtcbridge-\(offer.local.ufrag)",
            wallClockAnchor: RuntimeClock.wallClockAnchor())
        configuration.fullICE = FullICEParameters(
            role: .controlling, localCandidates: [ICECandidate(type: .host, address: localAddress)],
            remoteCandidates: remoteCandidates)
        let session = try WebRTCSession(configuration: configuration, now: RuntimeClock.now())
        let id = SecureRandom.token(24)
        let media = accepted.media
        let role: WebRTCEndpoint.Role = target.role == .publish ? .viewer : .publisher
        let peer = WebRTCPeer(id: id, pathName: pathName, role: role, session: session, transport: endpoint.transport,
                              socket: socket)
        let close: (String) -> Void
        switch target.role {
        case .publish:
            close = try joinAsViewer(peer, media: media, tracks: offer.tracks)
        case .play:
            close = try joinAsPublisher(peer, media: media)
        }
        current = (peer, close)
        peer.logCreated(logger, media: media.filter(\.accepted).map { "\($0.kind):\($0.codec?.name ?? "?")" }
            .joined(separator: ","))
        // Routes for the answers first: the checks leave as soon as the peer is registered.
        endpoint.transport.expectAnswers(from: remoteCandidates.map(\.address), for: peer)
        endpoint.transport.register(peer)
    }

    private func joinAsViewer(_ peer: WebRTCPeer, media: [NegotiatedMedia],
                              tracks: [MediaKind: LocalTrack]) throws -> (String) -> Void {
        guard let path = endpoint.router.path(named: pathName) else { throw SourceError.unusable("path is gone") }
        var outputs: [TrackKind: ViewerForwarder.Output] = [:]
        for m in media where m.accepted && m.direction.sends {
            guard let pt = m.payloadType, let kind = TrackKind(m.kind), let track = tracks[m.kind] else { continue }
            outputs[kind] = ViewerForwarder.Output(payloadType: pt, ssrc: track.ssrc, nack: m.rtcpFeedback.contains("nack"))
        }
        guard !outputs.isEmpty else { throw SourceError.unusable("the remote accepted none of our tracks") }
        let viewer = WHEPViewer(peer: peer, path: path, outputs: outputs, logger: logger)
        observeEvents(of: peer)
        viewer.onClosed = { [weak self] reason in self?.sessionEnded(peer, reason: reason) }
        return { viewer.close(reason: $0) }
    }

    private func joinAsPublisher(_ peer: WebRTCPeer, media: [NegotiatedMedia]) throws -> (String) -> Void {
        let path = try endpoint.router.path(named: pathName) ?? endpoint.router.createPath(named: pathName)
        var tracks: [TrackInfo] = []
        for m in media where m.accepted && m.direction.receives {
            guard let codec = m.codec, let pt = m.payloadType, let kind = TrackKind(m.kind) else { continue }
            tracks.append(TrackInfo(id: m.index, kind: kind, encodingName: codec.name, clockRate: codec.clockRate,
                                    channels: codec.channels, fmtp: codec.fmtp, payloadType: pt))
        }
        guard !tracks.isEmpty else { throw SourceError.unusable("the remote sends none of our codecs") }
        let keyframeRelay = KeyframeRelay()
        let token = try path.attachPublisher(tracks: tracks) { keyframeRelay.fire() }
        let publisher = WHIPPublisher(peer: peer, path: path, token: token, tracks: tracks, logger: logger)
        keyframeRelay.target = publisher
        observeEvents(of: peer)
        publisher.onClosed = { [weak self] reason in self?.sessionEnded(peer, reason: reason) }
        return { publisher.close(reason: $0) }
    }

    /// Sees the session's events after the adapter that owns the peer has.
    private func observeEvents(of peer: WebRTCPeer) {
        let adapter = peer.onEvent
        peer.onEvent = { [weak self] event in
            adapter(event)
            self?.observe(event, peer: peer)
        }
    }

    private func observe(_ event: WebRTCSession.Event, peer: WebRTCPeer) {
        switch event {
        case .connected:
            machine.sessionConnected()
            lastError = nil
            let ice = peer.session.iceConnectedAt.flatMap { at in offeredAt.map { at - $0 } }
            logger.info("client session connected", metadata: metadata([
                "attempt": "\(attempts)",
                "postToICEConnectedMs": "\(ice.map { Self.milliseconds($0) } ?? "?")",
                "postToConnectedMs": "\(offeredAt.map { Self.milliseconds(RuntimeClock.now() - $0) } ?? "?")",
            ]))
        case .rtp:
            if peer.firstMediaAt == nil {
                peer.firstMediaAt = RuntimeClock.now()
                logger.info("first media from remote", metadata: metadata([
                    "postToFirstMediaMs": "\(offeredAt.map { Self.milliseconds(RuntimeClock.now() - $0) } ?? "?")",
                ]))
            }
        default:
            break
        }
    }

    private func sessionEnded(_ peer: WebRTCPeer, reason: String) {
        guard current?.peer === peer else { return }
        current = nil
        lastError = reason
        machine.sessionFailed(reason, now: RuntimeClock.now())
        pump()
    }

    // MARK: machine

    private func pump() {
        while true {
            switch machine.poll() {
            case .send(let request):
                let http = self.http
                let loop = eventLoop
                Task {
                    let result = await http.send(request)
                    loop.execute { [self] in
                        switch result {
                        case .success(let response): machine.handle(response: response, to: request.id, now: RuntimeClock.now())
                        case .failure(let failure): machine.handleFailure(failure.reason, to: request.id, now: RuntimeClock.now())
                        }
                        pump()
                    }
                }
            case .event(let event):
                handle(event)
            case .timeout(let deadline):
                if deadline != .distantFuture {
                    schedule(at: deadline) { [self] in
                        machine.handleTimeout(now: RuntimeClock.now())
                        pump()
                    }
                }
                return
            }
        }
    }

    private func handle(_ event: WHIPClient.Event) {
        switch event {
        case .answered(let answer):
            logger.info("remote answered", metadata: metadata([
                "resource": "\(answer.resourceURL)", "iceServers": "\(answer.iceServers.count)",
            ]))
            accept(answer)
        case .offerNeeded:
            makeOffer()
        case .failed(let error, let retryAt):
            lastError = error.description
            if let retryAt {
                logger.warning("remote failed; retrying", metadata: metadata([
                    "reason": "\(error)", "retryInMs": "\(Self.milliseconds(retryAt - RuntimeClock.now()))",
                ]))
            } else {
                logger.error("remote failed for good", metadata: metadata(["reason": "\(error)"]))
                onGaveUp?("\(target.role == .publish ? "WHIP target" : "WHEP source") \(target.endpoint): \(error)")
            }
        case .restartAnswered, .patchFailed:
            break
        case .stopped:
            stopped?.succeed(())
        }
    }

    private func schedule(at deadline: Instant, _ work: @escaping () -> Void) {
        timer?.cancel()
        let delay = max(.zero, deadline - RuntimeClock.now())
        let nanoseconds = Int64(delay.components.seconds) * 1_000_000_000 + Int64(delay.components.attoseconds / 1_000_000_000)
        let box = UncheckedWork(work)
        timer = eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) { box.work() }
    }

    private func metadata(_ extra: Logger.Metadata) -> Logger.Metadata {
        ["path": "\(pathName)", "remote": "\(target)"].merging(extra) { $1 }
    }

    static func milliseconds(_ duration: Duration) -> String {
        let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return "\((ms * 10).rounded() / 10)"
    }
}

/// A closure confined to one event loop, handed to that loop's scheduler.
private struct UncheckedWork: @unchecked Sendable {
    let work: () -> Void
    init(_ work: @escaping () -> Void) { self.work = work }
}
