import DTLS
import ICE
import Logging
import NIOCore
import RTCBase
import Routing
import SDP
import WebRTC

/// Why a WHEP request was refused; the HTTP layer maps each case to a status code.
public enum WHEPError: Error, Equatable, CustomStringConvertible {
    case badRequest(String)        // 400
    case unknownPath(String)       // 404
    case notReady(String)          // 503
    case notAcceptable(String)     // 406
    case unknownSession            // 404
    case serviceUnavailable(String)

    public var description: String {
        switch self {
        case .badRequest(let r): return "bad request: \(r)"
        case .unknownPath(let p): return "no path named '\(p)'"
        case .notReady(let p): return "path '\(p)' has no stream yet"
        case .notAcceptable(let r): return "no common media: \(r)"
        case .unknownSession: return "no such session"
        case .serviceUnavailable(let r): return "unavailable: \(r)"
        }
    }
}

/// WHEP viewers (draft-ietf-wish-whep): offer in, answer out, one `WHEPViewer` per resource.
public final class WHEPService: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var hostAddresses: [String]
        public var udpPort: Int
        public var sdpLimits = SDPLimits()
        public var maxSessions = 1000
        public init(hostAddresses: [String], udpPort: Int) {
            self.hostAddresses = hostAddresses
            self.udpPort = udpPort
        }
    }

    public struct Answer: Sendable {
        public var sdp: String
        public var resourceID: String
        public var etag: String
    }

    let router: Router
    let transport: WebRTCTransport
    let certificate: DTLSCertificate
    let logger: Logger
    public let configuration: Configuration
    /// Sessions by resource id; touched only on the transport's event loop.
    private var viewers: [String: WHEPViewer] = [:]

    public init(router: Router, transport: WebRTCTransport, certificate: DTLSCertificate,
                configuration: Configuration, logger: Logger) {
        self.router = router
        self.transport = transport
        self.certificate = certificate
        self.configuration = configuration
        self.logger = logger
    }

    /// Negotiates a viewer for `pathName` from an SDP offer.
    public func createViewer(pathName: String, offer offerText: String) async throws(WHEPError) -> Answer {
        let offer: SessionDescription
        do { offer = try SessionDescription(parsing: offerText, limits: configuration.sdpLimits) } catch {
            throw .badRequest(error.description)
        }
        guard let path = router.path(named: pathName) else { throw .unknownPath(pathName) }
        guard let tracks = path.tracks else { throw .notReady(pathName) }
        guard let remoteICE = offer.remoteICECredentials else { throw .badRequest("offer has no ice-ufrag/ice-pwd") }
        guard let fingerprint = offer.remoteFingerprint else { throw .badRequest("offer has no DTLS fingerprint") }

        let local = ICECredentials.generate()
        let id = SecureRandom.token(24)
        var localTracks: [MediaKind: LocalTrack] = [:]
        for kind in [MediaKind.audio, .video] {
            localTracks[kind] = LocalTrack(ssrc: SecureRandom.uint32() | 1, cname: "rtcbridge-\(id.prefix(8))",
                                           streamID: pathName, trackID: "\(pathName)-\(kind)")
        }
        let options = AnswerOptions(
            iceUfrag: local.ufrag, icePwd: local.password,
            fingerprint: SDPFingerprint(algorithm: certificate.fingerprint.algorithm, value: certificate.fingerprint.value),
            setup: offer.answerSetupRole,
            candidates: candidates(),
            codecs: tracks.map(\.codecCapability),
            localDirection: .sendonly,
            localTracks: localTracks,
            sessionID: UInt64(SecureRandom.uint32()) << 16)
        let answer: SessionDescription
        let media: [NegotiatedMedia]
        do { (answer, media) = try SDPAnswerer.answer(to: offer, options: options) } catch {
            if error.kind == .noCommonCodec { throw .notAcceptable(error.reason) }
            throw .badRequest(error.description)
        }
        var outputs: [TrackKind: ViewerForwarder.Output] = [:]
        for m in media where m.accepted {
            guard let pt = m.payloadType, let kind = TrackKind(m.kind), let track = localTracks[m.kind] else { continue }
            outputs[kind] = ViewerForwarder.Output(payloadType: pt, ssrc: track.ssrc)
        }
        guard !outputs.isEmpty else { throw .notAcceptable("no media section could be accepted") }

        let dtlsRole: DTLSRole = options.setup == .active ? .client : .server
        let sessionConfig = WebRTCSession.Configuration(
            certificate: certificate, localCredentials: local, remoteCredentials: remoteICE,
            remoteFingerprint: fingerprint, dtlsRole: dtlsRole, cname: "rtcbridge-\(id.prefix(8))",
            wallClockAnchor: RuntimeClock.wallClockAnchor())
        let viewerOutputs = outputs
        let created: Result<Void, WHEPError> = await withResult { [self] in
            try await transport.eventLoop.submit { [self] () throws -> Void in
                guard viewers.count < configuration.maxSessions else {
                    throw WHEPError.serviceUnavailable("too many sessions (\(configuration.maxSessions))")
                }
                let session = try WebRTCSession(configuration: sessionConfig, now: RuntimeClock.now())
                let peer = WebRTCPeer(id: id, session: session, transport: transport)
                let viewer = WHEPViewer(peer: peer, path: path, outputs: viewerOutputs, logger: logger)
                viewer.onClosed = { [weak self] _ in self?.viewers[id] = nil }
                viewers[id] = viewer
                transport.register(peer)
            }.get()
        }
        if case .failure(let error) = created { throw error }
        logger.info("WHEP session created", metadata: [
            "session": "\(id)", "path": "\(pathName)",
            "media": "\(media.filter(\.accepted).map { "\($0.kind):\($0.codec?.name ?? "?")/\($0.payloadType ?? 0)" })"])
        return Answer(sdp: answer.serialized(), resourceID: id, etag: "\"\(local.ufrag)\"")
    }

    /// Ends a session (DELETE on its resource).
    public func deleteViewer(id: String) async throws(WHEPError) {
        let found = (try? await transport.eventLoop.submit { [self] () -> Bool in
            guard let viewer = viewers.removeValue(forKey: id) else { return false }
            viewer.close(reason: "deleted by client")
            return true
        }.get()) ?? false
        if !found { throw .unknownSession }
    }

    public var sessionCount: Int {
        get async { (try? await transport.eventLoop.submit { [self] in viewers.count }.get()) ?? 0 }
    }

    /// Ends every session (shutdown).
    public func closeAll() async {
        try? await transport.eventLoop.submit { [self] in
            for viewer in viewers.values { viewer.close(reason: "gateway shutting down") }
            viewers.removeAll()
        }.get()
    }

    private func candidates() -> [SDPCandidate] {
        var result: [SDPCandidate] = []
        for (index, host) in configuration.hostAddresses.enumerated() {
            let priority = ICECandidatePriority.host(localPreference: UInt16(clamping: 65535 - index))
            result.append(SDPCandidate(foundation: "\(index + 1)", priority: priority, address: host,
                                       port: UInt16(clamping: configuration.udpPort)))
        }
        return result
    }

    private func withResult(_ body: () async throws -> Void) async -> Result<Void, WHEPError> {
        do { try await body(); return .success(()) } catch let error as WHEPError {
            return .failure(error)
        } catch {
            return .failure(.serviceUnavailable("\(error)"))
        }
    }
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
    /// What the answerer may offer a viewer for this track (pass-through: the source's codec).
    var codecCapability: CodecCapability {
        var fmtp = self.fmtp
        if encodingName.uppercased() == "H264" {
            fmtp["packetization-mode"] = "1"
            fmtp["level-asymmetry-allowed"] = "1"
        }
        return CodecCapability(
            name: encodingName, kind: kind == .video ? .video : .audio, clockRate: clockRate,
            channels: channels, fmtp: fmtp,
            rtcpFeedback: kind == .video ? ["nack", "nack pli", "ccm fir"] : [])
    }
}

extension SessionDescription {
    /// The offerer's ICE credentials (first media section, falling back to session level).
    var remoteICECredentials: ICECredentials? {
        guard let m = media.first(where: { !$0.isRejected }) ?? media.first else { return nil }
        guard let ufrag = iceUfrag(for: m), let pwd = icePwd(for: m) else { return nil }
        return ICECredentials(ufrag: ufrag, password: pwd)
    }

    var remoteFingerprint: DTLSFingerprint? {
        guard let m = media.first(where: { !$0.isRejected }) ?? media.first,
              let fp = fingerprint(for: m) else { return nil }
        return DTLSFingerprint(algorithm: fp.algorithm.lowercased(), value: fp.value.uppercased())
    }

    /// RFC 8842 §5.2: answer actpass/active with passive, passive with active.
    var answerSetupRole: DTLSSetupRole {
        let offered = media.first(where: { !$0.isRejected }).flatMap { setup(for: $0) } ?? setup
        return offered == .passive ? .active : .passive
    }
}
