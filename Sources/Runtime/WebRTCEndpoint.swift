import DTLS
import ICE
import Logging
import NIOCore
import RTCBase
import Routing
import SDP
import Transcode
import WHIP
import WebRTC

/// Why a WHIP/WHEP request was refused; the HTTP layer maps each case to a status code.
public enum WebRTCEndpointError: Error, Equatable, CustomStringConvertible {
    case badRequest(String)        // 400
    case unknownPath(String)       // 404
    case notReady(String)          // 503
    case notAcceptable(String)     // 406
    case busy(String)              // 409
    case unknownSession            // 404
    case preconditionFailed        // 412
    case preconditionRequired      // 428
    case serviceUnavailable(String)
    case tooManySessions(String)   // 429: the client holds its quota

    public var description: String {
        switch self {
        case .badRequest(let r): return "bad request: \(r)"
        case .unknownPath(let p): return "no path named '\(p)'"
        case .notReady(let p): return "path '\(p)' has no stream yet"
        case .notAcceptable(let r): return "no common media: \(r)"
        case .busy(let p): return "path '\(p)' already has a publisher"
        case .unknownSession: return "no such session"
        case .preconditionFailed: return "If-Match does not match the session's ETag"
        case .preconditionRequired: return "PATCH needs If-Match (the ETag, or * for an ICE restart)"
        case .serviceUnavailable(let r): return "unavailable: \(r)"
        case .tooManySessions(let r): return r
        }
    }
}

/// WHEP viewers (draft-ietf-wish-whep) and WHIP publishers (RFC 9725): offer in, answer out,
/// one session resource per peer, PATCH for trickle ICE and ICE restarts (RFC 8840), DELETE.
public final class WebRTCEndpoint: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// Advertised host candidates; those without a port of their own get `udpPort`.
        public var hostAddresses: [ICEAdvertisedAddress]
        public var udpPort: Int
        public var sdpLimits = SDPLimits()
        public var maxSessions = 1000
        /// Sessions one client address may hold at once (viewers and publishers together).
        public var maxSessionsPerClient = 100
        /// Paths where a new WHIP publisher replaces the current one instead of getting 409.
        public var takeoverPaths: Set<String> = []
        /// AAC/G.722 → Opus for viewers (bitrate, input caps); see `AudioTranscodeRelay`.
        public var transcode = TranscodeConfiguration()
        /// Highest bitrate WHIP publishers are told they may send (REMB), bits/s.
        public var maxPublishBitrate = 8_000_000
        /// Largest data channel message accepted (our `a=max-message-size`), at most
        /// `WebRTCEndpoint.maxDataChannelMessageSizeCap`.
        public var dataChannelMaxMessageSize = 262_144
        /// Accept simulcast from WHIP publishers: each layer is published as its own track
        /// (`TrackInfo.layer`); viewers get one layer per layered track.
        public var simulcast = false
        public var simulcastMaxLayers = SimulcastNegotiation.defaultMaxLayers
        public init(hostAddresses: [ICEAdvertisedAddress], udpPort: Int) {
            self.hostAddresses = hostAddresses
            self.udpPort = udpPort
        }
    }

    public typealias Role = WHIPRole

    /// Highest `dataChannelMaxMessageSize` (usrsctp's receive buffer holds one message whole).
    public static let maxDataChannelMessageSizeCap = 1 << 20

    public struct Answer: Sendable {
        public var sdp: String
        public var resourceID: String
        public var etag: String
    }

    /// The result of a PATCH: trickled candidates (204), or an ICE restart answered with a
    /// fragment carrying the new credentials (200).
    public enum PatchResult: Sendable, Equatable {
        case accepted(etag: String)
        case restarted(fragment: String, etag: String)
    }

    let router: Router
    let transport: WebRTCTransport
    let certificate: DTLSCertificate
    let logger: Logger
    public let configuration: Configuration
    /// Session resources and their rules (WHIP target); touched only on the transport's event loop.
    var resources: WHIPResourceTable<EndpointSession>
    /// Set by `stopAccepting()` (shutdown): new sessions are refused with 503. Transport's loop only.
    var isDraining = false
    /// One AAC/G.722 → Opus relay per path with WebRTC viewers (any thread).
    let transcodeRelays = TranscodeRelays()

    public init(router: Router, transport: WebRTCTransport, certificate: DTLSCertificate,
                configuration: Configuration, logger: Logger) {
        self.router = router
        self.transport = transport
        self.certificate = certificate
        self.configuration = configuration
        self.logger = logger
        self.resources = WHIPResourceTable(maxSessions: configuration.maxSessions,
                                           maxSessionsPerClient: configuration.maxSessionsPerClient,
                                           takeoverPaths: configuration.takeoverPaths)
    }

    /// Ends a session (DELETE on its resource); only its own path and role name it.
    public func delete(id: String, pathName: String, role: Role) async throws(WebRTCEndpointError) {
        let closing = try? await transport.eventLoop.submit { [self] () -> EventLoopFuture<Void>? in
            resources.delete(id: id, pathName: pathName, role: role)?.payload.close("deleted by client")
        }.get()
        guard let closing else { throw .unknownSession }
        try? await closing.get()
    }

    /// Trickle ICE or ICE restart on a session (RFC 9725 §4.3, RFC 8840).
    public func patch(id: String, pathName: String, role: Role, ifMatch: String?,
                      fragmentText: String) async throws(WebRTCEndpointError) -> PatchResult {
        let fragment: TrickleFragment
        do { fragment = try TrickleFragment(parsing: fragmentText, limits: configuration.sdpLimits) } catch {
            throw .badRequest(error.description)
        }
        let newLocal = ICECredentials.generate()
        let outcome: Result<(PatchResult, restart: (WebRTCPeer, WHIPRestart)?), WebRTCEndpointError> = (try? await transport.eventLoop.submit { [self] in
            let decision = resources.patch(id: id, pathName: pathName, role: role, ifMatch: ifMatch, fragment: fragment,
                                           restartCredentials: newLocal, localCandidates: candidates())
            let restart: WHIPRestart
            switch decision {
            case .unknownSession: return .failure(.unknownSession)
            case .preconditionRequired: return .failure(.preconditionRequired)
            case .preconditionFailed: return .failure(.preconditionFailed)
            case .badRequest(let reason): return .failure(.badRequest(reason))
            case .trickle(let etag):
                if let peer = resources.resource(id: id, pathName: pathName, role: role)?.payload.peer {
                    let candidates = fragment.sections.flatMap(\.candidates)
                    peer.eventLoop.execute { peer.signalledCandidates.add(candidates) }
                }
                return .success((.accepted(etag: etag), nil))
            case .restart(let decided): restart = decided
            }
            guard let peer = resources.resource(id: id, pathName: pathName, role: role)?.payload.peer else {
                return .failure(.unknownSession)
            }
            logger.info("ICE restart", metadata: peer.logMetadata)
            return .success((.restarted(fragment: restart.answer.serialized(), etag: restart.etag), (peer, restart)))
        }.get()) ?? .failure(.serviceUnavailable("event loop unavailable"))
        let (result, restart) = try outcome.get()
        if let (peer, restart) = restart {
            // The session itself lives on its own loop: restart ICE there before answering.
            try? await peer.eventLoop.submit { [transport] in
                let oldUfrag = peer.session.localICECredentials.ufrag
                let now = RuntimeClock.now()
                peer.session.restartICE(local: restart.local, remote: restart.remote, now: now)
                transport.rekey(peer, from: oldUfrag)
                peer.pump(now: now)
            }.get()
        }
        return result
    }

    public var sessionCount: Int {
        get async { (try? await transport.eventLoop.submit { [self] in resources.count }.get()) ?? 0 }
    }

    /// Refuses every new WHIP/WHEP session from now on (503), including ones being negotiated.
    public func stopAccepting() async {
        try? await transport.eventLoop.submit { [self] in isDraining = true }.get()
    }

    /// Ends every session (shutdown): each sends RTCP BYE and DTLS close_notify. Refuses new
    /// sessions from now on. Returns how many sessions were closed.
    @discardableResult
    public func closeAll() async -> Int {
        let closing = (try? await transport.eventLoop.submit { [self] () -> [EventLoopFuture<Void>] in
            isDraining = true
            return resources.removeAll().map { $0.payload.close(Self.shutdownReason) }
        }.get()) ?? []
        for future in closing { try? await future.get() }
        return closing.count
    }

    /// The reason a shutdown gives its sessions (in their log line and RTCP BYE).
    static let shutdownReason = "gateway shutting down"

    func candidates() -> [SDPCandidate] {
        configuration.hostAddresses.enumerated().map { index, host in
            SDPCandidate(foundation: "\(index + 1)",
                         priority: ICECandidatePriority.host(localPreference: UInt16(clamping: 65535 - index)),
                         address: host.ip, port: UInt16(clamping: host.port(bound: configuration.udpPort)))
        } + traversalCandidates()
    }
}

/// What the endpoint keeps with each session resource: the peer and how to end its adapter.
/// Kept on the transport's event loop; the peer itself lives on its own loop.
struct EndpointSession {
    let peer: WebRTCPeer
    /// Ends the adapter; runs on the peer's loop.
    let closeOnPeerLoop: @Sendable (String) -> Void

    /// Ends the session on its peer's loop; the future completes once the adapter has closed.
    func close(_ reason: String) -> EventLoopFuture<Void> {
        peer.eventLoop.submit { [closeOnPeerLoop] in closeOnPeerLoop(reason) }
    }
}
