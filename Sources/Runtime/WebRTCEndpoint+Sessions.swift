import Codecs
import DTLS
import Egress
import ICE
import Ingest
import Logging
import NIOCore
import RTCBase
import Routing
import SCTP
import SDP
import WHIP
import WebRTC

extension WebRTCEndpoint {
    /// Codecs a publisher may send, in our order of preference (pass-through to every output):
    /// the registry's WebRTC codecs with their default fmtp and the feedback we implement.
    static let publishCodecs: [CodecCapability] = CodecRegistry.all.filter(\.webRTCCompatible).map {
        $0.capability(fmtp: $0.defaultFmtp)
    }

    /// Negotiates a WHEP viewer for `pathName`: it receives the path's tracks as they are.
    /// `client` (the HTTP client's address) counts against the per-client quota.
    public func createViewer(pathName: String, offer offerText: String,
                             client: String = "") async throws(WebRTCEndpointError) -> Answer {
        let offer = try parse(offerText)
        guard let path = router.path(named: pathName) else { throw .unknownPath(pathName) }
        await path.demandPublisher()   // an on-demand camera connects now
        guard let sourceTracks = path.tracks else { throw .notReady(pathName) }
        // AAC/G.722 audio is offered as Opus; a viewer that takes the audio reads the path's shared
        // Opus relay (AudioTranscodeRelay) instead of the path.
        let transcodes = AudioTranscodeRelay.needed(for: sourceTracks)
        let tracks = transcodes ? AudioTranscodeRelay.viewerTracks(sourceTracks) : sourceTracks
        let id = SecureRandom.token(24)
        var localTracks: [MediaKind: LocalTrack] = [:]
        for kind in [MediaKind.audio, .video] {
            localTracks[kind] = LocalTrack(ssrc: SecureRandom.uint32() | 1, cname: "rtcbridge-\(id.prefix(8))",
                                           streamID: pathName, trackID: "\(pathName)-\(kind)",
                                           rtxSSRC: kind == .video ? SecureRandom.uint32() & ~1 : nil)
        }
        let negotiated = try negotiate(offer, codecs: tracks.map(\.codecCapability), direction: .sendonly, localTracks: localTracks,
                                       retransmission: true, redundancy: true)
        var outputs: [TrackKind: ViewerForwarder.Output] = [:]
        for m in negotiated.media where m.accepted {
            guard let pt = m.payloadType, let kind = TrackKind(m.kind), let track = localTracks[m.kind] else { continue }
            // A send history only where the viewer can NACK (browsers offer no NACK for audio).
            // RTX (NACKed video resent on its own SSRC) and RED (Opus) where the viewer offered them.
            outputs[kind] = ViewerForwarder.Output(payloadType: pt, ssrc: track.ssrc, nack: m.rtcpFeedback.contains("nack"),
                                                   retransmissionSSRC: track.rtxSSRC,
                                                   retransmissionPayloadType: m.retransmissionPayloadType,
                                                   redundancyPayloadType: m.redundancyPayloadType)
        }
        guard !outputs.isEmpty else { throw .notAcceptable("no media section could be accepted") }
        let viewerOutputs = outputs
        let lease = transcodes && outputs[.audio] != nil ? try transcodeLease(for: path) : nil
        let readPath = lease?.relay.derived ?? path
        let etag: String
        do {
            etag = try await register(id: id, role: .viewer, pathName: pathName, client: client, negotiated: negotiated) { [self] peer, finish in
                let viewer = WHEPViewer(peer: peer, path: readPath, outputs: viewerOutputs, logger: logger)
                peer.logCreated(logger, media: negotiated.summary)
                viewer.onClosed = { reason in
                    lease?.release()
                    finish(reason)
                }
                return { viewer.close(reason: $0) }
            }
        } catch {
            lease?.release()
            throw error
        }
        return Answer(sdp: negotiated.answer.serialized(), resourceID: id, etag: etag)
    }

    /// Negotiates a WHIP publisher for `pathName`; the path must accept publishers and be free.
    public func createPublisher(pathName: String, offer offerText: String,
                                client: String = "") async throws(WebRTCEndpointError) -> Answer {
        let offer = try parse(offerText)
        guard let path = router.path(named: pathName) else { throw .unknownPath(pathName) }
        let negotiated = try negotiate(offer, codecs: Self.publishCodecs, direction: .recvonly, localTracks: [:],
                                       bandwidthFeedback: true, simulcast: configuration.simulcast, retransmission: true)
        var tracks: [TrackInfo] = []
        for m in negotiated.media where m.accepted {
            guard let codec = m.codec, let pt = m.payloadType, let kind = TrackKind(m.kind) else { continue }
            tracks.append(TrackInfo(id: m.index, kind: kind, encodingName: codec.name, clockRate: codec.clockRate,
                                    channels: codec.channels, fmtp: codec.fmtp, payloadType: pt))
        }
        guard !tracks.isEmpty else { throw .notAcceptable("no media section could be accepted") }
        let layouts = Self.simulcastLayouts(negotiated.media)
        let negotiatedTracks = tracks
        // A simulcast section is published as one track per layer.
        tracks = WHIPIngest(tracks: tracks, simulcast: layouts).publishedTracks
        let publishedMedia = negotiated.media
        let token: PublisherToken
        let keyframeRelay = KeyframeRelay()
        do {
            token = try path.attachPublisher(tracks: tracks) { keyframeRelay.fire() }
        } catch {
            guard case .busy = error else { throw .serviceUnavailable("\(error)") }
            guard await takeOver(pathName) else { throw .busy(pathName) }
            do { token = try path.attachPublisher(tracks: tracks) { keyframeRelay.fire() } } catch {
                throw .busy(pathName)
            }
        }
        let id = SecureRandom.token(24)
        let etag: String
        do {
            etag = try await register(id: id, role: .publisher, pathName: pathName, client: client, negotiated: negotiated) { [self] peer, finish in
                peer.session.enableBandwidthFeedback(publishedMedia)
                // RTX from the publisher is unwrapped onto its media stream (late packets fill gaps).
                for m in publishedMedia where m.accepted {
                    guard let rtx = m.retransmissionPayloadType, let pt = m.payloadType else { continue }
                    peer.session.expectInboundRetransmission(payloadType: rtx, mediaPayloadType: pt,
                                                             ssrcPairs: m.remoteRetransmissionSSRCs)
                }
                let publisher = WHIPPublisher(peer: peer, path: path, token: token, tracks: negotiatedTracks,
                                              simulcast: layouts, logger: logger)
                peer.logCreated(logger, media: negotiated.summary)
                publisher.onClosed = finish
                keyframeRelay.target = publisher
                return { publisher.close(reason: $0) }
            }
        } catch {
            path.detachPublisher(token)
            throw error
        }
        return Answer(sdp: negotiated.answer.serialized(), resourceID: id, etag: etag)
    }

    // MARK: Shared steps

    /// A hold on `path`'s AAC/G.722 → Opus relay (started for the first viewer).
    func transcodeLease(for path: Path) throws(WebRTCEndpointError) -> TranscodeRelays.Lease {
        do {
            return try transcodeRelays.acquire(path) { () throws(RoutingError) in
                try AudioTranscodeRelay(source: path, limits: router.limits, eventLoop: transport.eventLoop,
                                        configuration: configuration.transcode, logger: logger)
            }
        } catch {
            throw .serviceUnavailable("cannot start audio transcoding: \(error)")
        }
    }

    struct Negotiation {
        var answer: SessionDescription
        var media: [NegotiatedMedia]
        var local: ICECredentials
        var remote: ICECredentials
        var fingerprint: DTLSFingerprint
        var setup: DTLSSetupRole
        /// The association an accepted `m=application` section asks for; nil: no data channels.
        var dataChannels: DataChannelSession.Configuration?
        /// The offer's candidates (the route a session runs over, for metrics).
        var remoteCandidates = SignalledCandidateTypes()

        var summary: String {
            media.filter(\.accepted).map {
                $0.kind == .application ? "data" : "\($0.kind):\($0.codec?.name ?? "?")/\($0.payloadType ?? 0)"
                    + ($0.retransmissionPayloadType.map { "+rtx/\($0)" } ?? "")
                    + ($0.redundancyPayloadType.map { "+red/\($0)" } ?? "")
            }.joined(separator: ",")
        }
    }

    func parse(_ text: String) throws(WebRTCEndpointError) -> SessionDescription {
        do { return try SessionDescription(parsing: text, limits: configuration.sdpLimits) } catch {
            throw .badRequest(error.description)
        }
    }

    func negotiate(_ offer: SessionDescription, codecs: [CodecCapability], direction: MediaDirection,
                   localTracks: [MediaKind: LocalTrack],
                   bandwidthFeedback: Bool = false, simulcast: Bool = false,
                   retransmission: Bool = false, redundancy: Bool = false) throws(WebRTCEndpointError) -> Negotiation {
        guard let remote = offer.remoteICECredentials else { throw .badRequest("offer has no ice-ufrag/ice-pwd") }
        guard let fingerprint = offer.remoteFingerprint else { throw .badRequest("offer has no DTLS fingerprint") }
        let local = ICECredentials.generate()
        let setup = offer.answerSetupRole
        var options = AnswerOptions(
            iceUfrag: local.ufrag, icePwd: local.password,
            fingerprint: SDPFingerprint(algorithm: certificate.fingerprint.algorithm, value: certificate.fingerprint.value),
            setup: setup, candidates: candidates(), codecs: codecs, localDirection: direction,
            localTracks: localTracks, sessionID: UInt64(SecureRandom.uint32()) << 16)
        if bandwidthFeedback { options.acceptBandwidthFeedback() }   // WHIP: let publishers ramp up
        if simulcast { options.acceptSimulcast(maxLayers: configuration.simulcastMaxLayers) }
        options.retransmission = retransmission
        options.redundancy = redundancy
        let maxMessageSize = min(max(configuration.dataChannelMaxMessageSize, 1), Self.maxDataChannelMessageSizeCap)
        options.dataChannels = DataChannelParameters(maxMessageSize: maxMessageSize)
        do {
            let (answer, media) = try SDPAnswerer.answer(to: offer, options: options)
            var data: DataChannelSession.Configuration?
            if let section = media.first(where: { $0.kind == .application && $0.accepted }) {
                var association = SCTPAssociation.Configuration()
                association.remotePort = section.remoteSCTPPort ?? 5000
                association.localPort = options.dataChannels?.sctpPort ?? 5000
                association.maxMessageSize = maxMessageSize
                var channels = DataChannelSession.Configuration()
                channels.association = association
                channels.peerMaxMessageSize = section.remoteMaxMessageSize ?? 65_536
                data = channels
            }
            var remoteCandidates = SignalledCandidateTypes()
            for section in offer.media { remoteCandidates.add(section.candidates) }
            return Negotiation(answer: answer, media: media, local: local, remote: remote, fingerprint: fingerprint,
                               setup: setup, dataChannels: data, remoteCandidates: remoteCandidates)
        } catch {
            if error.kind == .noCommonCodec { throw .notAcceptable(error.reason) }
            throw .badRequest(error.description)
        }
    }

    /// Ends the WHIP publisher of `pathName` (a path that allows takeover); false when the path's
    /// publisher is not one of ours (an RTSP publisher, a camera), so it cannot be replaced.
    func takeOver(_ pathName: String) async -> Bool {
        let closing = try? await transport.eventLoop.submit { [self] () -> EventLoopFuture<Void>? in
            guard let replaced = resources.takeOver(pathName: pathName) else { return nil }
            logger.info("WHIP publisher taken over", metadata: replaced.payload.peer.logMetadata)
            return replaced.payload.close("replaced by a new publisher")
        }.get()
        guard let closing else { return false }
        try? await closing.get()   // the old publisher has left the path
        return true
    }

    /// Creates the session on the loop of the socket it is pinned to and registers its resource
    /// (kept on the transport's loop); returns its ETag. `makeAdapter` runs on the peer's loop,
    /// joins the peer to routing and returns how to close it; it gets the callback that removes
    /// the resource when the session ends by itself.
    func register(id: String, role: Role, pathName: String, client: String, negotiated: Negotiation,
                  makeAdapter: @escaping @Sendable (WebRTCPeer, @escaping @Sendable (String) -> Void) -> @Sendable (String) -> Void)
        async throws(WebRTCEndpointError) -> String {
        var configuration = WebRTCSession.Configuration(
            certificate: certificate, localCredentials: negotiated.local, remoteCredentials: negotiated.remote,
            remoteFingerprint: negotiated.fingerprint, dtlsRole: negotiated.setup == .active ? .client : .server,
            cname: "rtcbridge-\(id.prefix(8))", wallClockAnchor: RuntimeClock.wallClockAnchor())
        configuration.bandwidth.remb.maxBitrate = UInt64(clamping: self.configuration.maxPublishBitrate)
        configuration.dataChannels = negotiated.dataChannels
        let config = configuration
        let controlLoop = transport.eventLoop
        // 1. Reserve a slot in the table (sessions still being built count against the cap).
        let reserved: Result<Void, WebRTCEndpointError> = (try? await controlLoop.submit { [self] in
            guard !isDraining else { return .failure(.serviceUnavailable(Self.shutdownReason)) }
            do throws(WHIPCreateRefusal) { try resources.reserve(id: id, client: client) } catch {
                if case .clientQuota = error { return .failure(.tooManySessions(error.description)) }
                return .failure(.serviceUnavailable(error.description))
            }
            return .success(())
        }.get()) ?? .failure(.serviceUnavailable("event loop unavailable"))
        try reserved.get()
        // 2. Build the peer and its adapter on the peer's own loop.
        let socket = transport.assignSocket()
        let built: Result<EndpointSession, WebRTCEndpointError> = (try? await socket.eventLoop.submit { [self] in
            let session: WebRTCSession
            do { session = try WebRTCSession(configuration: config, now: RuntimeClock.now()) } catch {
                return .failure(.serviceUnavailable("cannot create session: \(error)"))
            }
            let peer = WebRTCPeer(id: id, pathName: pathName, role: role, session: session, transport: transport,
                                  socket: socket)
            peer.signalledCandidates = negotiated.remoteCandidates
            let close = makeAdapter(peer) { [weak self] _ in
                controlLoop.execute { [weak self] in _ = self?.resources.remove(id: id) }
            }
            transport.register(peer)
            return .success(EndpointSession(peer: peer, closeOnPeerLoop: close))
        }.get()) ?? .failure(.serviceUnavailable("event loop unavailable"))
        // 3. Publish the resource.
        let result: Result<String, WebRTCEndpointError> = (try? await controlLoop.submit { [self] in
            let endpointSession: EndpointSession
            switch built {
            case .failure(let error):
                resources.cancelReservation(id: id)
                return .failure(error)
            case .success(let session): endpointSession = session
            }
            // Shutdown began while the session was being built: `closeAll` did not see it.
            guard !isDraining else {
                resources.cancelReservation(id: id)
                _ = endpointSession.close(Self.shutdownReason)
                return .failure(.serviceUnavailable(Self.shutdownReason))
            }
            do throws(WHIPCreateRefusal) {
                return .success(try resources.create(id: id, pathName: pathName, role: role, local: negotiated.local,
                                                     remote: negotiated.remote, client: client,
                                                     payload: endpointSession).etag)
            } catch {
                _ = endpointSession.close("refused: \(error)")   // not reached: step 1 reserved the slot and the id
                return .failure(.serviceUnavailable(error.description))
            }
        }.get()) ?? .failure(.serviceUnavailable("event loop unavailable"))
        return try result.get()
    }
}

/// Hands a path's keyframe request (any thread) to the publisher adapter once it exists.
final class KeyframeRelay: @unchecked Sendable {
    weak var target: WHIPPublisher?
    func fire() { target?.requestKeyframeFromPeer() }
}

extension TrackKind {
    init?(_ kind: MediaKind) {
        switch kind {
        case .audio: self = .audio
        case .video: self = .video
        default: return nil
        }
    }
}

extension TrackInfo {
    /// What the answerer may offer a viewer for this track (pass-through: the source's codec and
    /// fmtp, with the registry's pass-through fmtp and feedback for it).
    var codecCapability: CodecCapability {
        guard let descriptor = codec else {
            return CodecCapability(name: encodingName, kind: kind == .video ? .video : .audio, clockRate: clockRate,
                                   channels: channels, fmtp: fmtp)
        }
        var capability = descriptor.capability(fmtp: fmtp.merging(descriptor.passThroughFmtp) { _, forced in forced })
        capability.name = encodingName
        capability.clockRate = clockRate
        capability.channels = channels
        return capability
    }
}

extension CodecDescriptor {
    /// This codec as an SDP answer capability (one audio channel is written as none, RFC 8866 §6.6).
    func capability(fmtp: [String: String]) -> CodecCapability {
        CodecCapability(name: name, kind: kind == .video ? .video : .audio, clockRate: clockRate,
                        channels: channels == 1 ? nil : channels, fmtp: fmtp, rtcpFeedback: rtcpFeedback,
                        formatMatch: formatParameterMatch)
    }
}

extension SessionDescription {
    /// The offerer's ICE credentials (the BUNDLE-tagged or first usable section, falling back to
    /// session level).
    var remoteICECredentials: ICECredentials? {
        guard let m = transportSection else { return nil }
        guard let ufrag = iceUfrag(for: m), let pwd = icePwd(for: m) else { return nil }
        return ICECredentials(ufrag: ufrag, password: pwd)
    }

    var remoteFingerprint: DTLSFingerprint? {
        guard let m = transportSection, let fp = fingerprint(for: m) else { return nil }
        return DTLSFingerprint(algorithm: fp.algorithm.lowercased(), value: fp.value.uppercased())
    }

    /// RFC 8842 §5.2: answer actpass/active with passive, passive with active.
    var answerSetupRole: DTLSSetupRole {
        let offered = transportSection.flatMap { setup(for: $0) } ?? setup
        return offered == .passive ? .active : .passive
    }
}

extension WebRTCSession {
    /// Bandwidth feedback for what a publisher negotiated (any accepted section decides:
    /// the transport-wide sequence number is one per BUNDLE transport).
    func enableBandwidthFeedback(_ media: [NegotiatedMedia]) {
        let accepted = media.filter(\.accepted)
        let extensionID = accepted.lazy.compactMap(\.transportWideSequenceExtensionID).first
        enableBandwidthFeedback(transportSequenceExtensionID: extensionID.flatMap { UInt8(exactly: $0) },
                                transportCC: accepted.contains(where: \.negotiatesTransportCC),
                                remb: accepted.contains(where: \.negotiatesREMB))
    }
}
