import DTLS
import ICE
import Logging
import NIOCore
import RTCBase
import Routing
import SDP
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
        }
    }
}

/// WHEP viewers (draft-ietf-wish-whep) and WHIP publishers (RFC 9725): offer in, answer out,
/// one session resource per peer, PATCH for trickle ICE and ICE restarts (RFC 8840), DELETE.
public final class WebRTCEndpoint: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var hostAddresses: [String]
        public var udpPort: Int
        public var sdpLimits = SDPLimits()
        public var maxSessions = 1000
        /// Paths where a new WHIP publisher replaces the current one instead of getting 409.
        public var takeoverPaths: Set<String> = []
        public init(hostAddresses: [String], udpPort: Int) {
            self.hostAddresses = hostAddresses
            self.udpPort = udpPort
        }
    }

    public enum Role: String, Sendable { case viewer = "whep", publisher = "whip" }

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
    /// Session resources by id; touched only on the transport's event loop.
    var resources: [String: SessionResource] = [:]
    /// Sessions being built on their own loops (they count against `maxSessions`).
    var pendingSessions = 0

    public init(router: Router, transport: WebRTCTransport, certificate: DTLSCertificate,
                configuration: Configuration, logger: Logger) {
        self.router = router
        self.transport = transport
        self.certificate = certificate
        self.configuration = configuration
        self.logger = logger
    }

    /// Ends a session (DELETE on its resource).
    public func delete(id: String, role: Role) async throws(WebRTCEndpointError) {
        let closing = try? await transport.eventLoop.submit { [self] () -> EventLoopFuture<Void>? in
            guard let resource = resources[id], resource.role == role else { return nil }
            resources[id] = nil
            return resource.close("deleted by client")
        }.get()
        guard let closing else { throw .unknownSession }
        try? await closing.get()
    }

    /// Trickle ICE or ICE restart on a session (RFC 9725 §4.3, RFC 8840).
    public func patch(id: String, role: Role, ifMatch: String?, fragmentText: String) async throws(WebRTCEndpointError) -> PatchResult {
        let fragment: TrickleFragment
        do { fragment = try TrickleFragment(parsing: fragmentText, limits: configuration.sdpLimits) } catch {
            throw .badRequest(error.description)
        }
        let newLocal = ICECredentials.generate()
        let outcome: Result<(PatchResult, restart: (WebRTCPeer, ICECredentials)?), WebRTCEndpointError> = (try? await transport.eventLoop.submit { [self] in
            guard let resource = resources[id], resource.role == role else { return .failure(.unknownSession) }
            // RFC 9725 §4.3: clients send If-Match with the ETag (or "*" for an ICE restart).
            guard let ifMatch else { return .failure(.preconditionRequired) }
            if ifMatch != "*", ifMatch != resource.etag { return .failure(.preconditionFailed) }
            let remote = resource.remoteCredentials
            if (fragment.iceUfrag == nil) != (fragment.icePwd == nil) {
                return .failure(.badRequest("a fragment needs both a=ice-ufrag and a=ice-pwd, or neither"))
            }
            guard let ufrag = fragment.iceUfrag, let pwd = fragment.icePwd, ufrag != remote.ufrag || pwd != remote.password else {
                // Trickled candidates: an ICE-lite agent answers checks from any address, so there
                // is nothing to add; the candidates were validated by the parser.
                return .success((.accepted(etag: resource.etag), nil))
            }
            let newRemote = ICECredentials(ufrag: ufrag, password: pwd)
            resource.remoteCredentials = newRemote
            resource.etag = "\"\(newLocal.ufrag)\""
            var answer = TrickleFragment(iceUfrag: newLocal.ufrag, icePwd: newLocal.password, iceLite: true)
            answer.sections = fragment.sections.map {
                TrickleFragment.Section(mid: $0.mid, candidates: candidates(), endOfCandidates: true)
            }
            if answer.sections.isEmpty { answer.sections = [.init(mid: nil, candidates: candidates(), endOfCandidates: true)] }
            logger.info("ICE restart", metadata: ["session": "\(id)"])
            return .success((.restarted(fragment: answer.serialized(), etag: resource.etag), (resource.peer, newRemote)))
        }.get()) ?? .failure(.serviceUnavailable("event loop unavailable"))
        let (result, restart) = try outcome.get()
        if let (peer, newRemote) = restart {
            // The session itself lives on its own loop: restart ICE there before answering.
            try? await peer.eventLoop.submit { [transport] in
                let oldUfrag = peer.session.localICECredentials.ufrag
                let now = RuntimeClock.now()
                peer.session.restartICE(local: newLocal, remote: newRemote, now: now)
                transport.rekey(peer, from: oldUfrag)
                peer.pump(now: now)
            }.get()
        }
        return result
    }

    public var sessionCount: Int {
        get async { (try? await transport.eventLoop.submit { [self] in resources.count }.get()) ?? 0 }
    }

    /// Ends every session (shutdown).
    public func closeAll() async {
        let closing = (try? await transport.eventLoop.submit { [self] () -> [EventLoopFuture<Void>] in
            defer { resources.removeAll() }
            return resources.values.map { $0.close("gateway shutting down") }
        }.get()) ?? []
        for future in closing { try? await future.get() }
    }

    func candidates() -> [SDPCandidate] {
        configuration.hostAddresses.enumerated().map { index, host in
            SDPCandidate(foundation: "\(index + 1)",
                         priority: ICECandidatePriority.host(localPreference: UInt16(clamping: 65535 - index)),
                         address: host, port: UInt16(clamping: configuration.udpPort))
        }
    }
}

/// One WHIP or WHEP session resource: the peer and what its adapter needs to end it.
/// Confined to the transport's event loop; the peer itself lives on its own loop.
final class SessionResource {
    let id: String
    let role: WebRTCEndpoint.Role
    let pathName: String
    let peer: WebRTCPeer
    var etag: String
    var remoteCredentials: ICECredentials
    private let closeOnPeerLoop: @Sendable (String) -> Void

    init(id: String, role: WebRTCEndpoint.Role, pathName: String, peer: WebRTCPeer, etag: String,
         remoteCredentials: ICECredentials, close: @escaping @Sendable (String) -> Void) {
        self.id = id
        self.role = role
        self.pathName = pathName
        self.peer = peer
        self.etag = etag
        self.remoteCredentials = remoteCredentials
        self.closeOnPeerLoop = close
    }

    /// Ends the session on its peer's loop; the future completes once the adapter has closed.
    func close(_ reason: String) -> EventLoopFuture<Void> {
        peer.eventLoop.submit { [closeOnPeerLoop] in closeOnPeerLoop(reason) }
    }
}
