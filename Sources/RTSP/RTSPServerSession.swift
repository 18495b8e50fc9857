import RTCBase
import SDP

/// Sans-IO RTSP server side of one TCP connection (RFC 2326 §10): OPTIONS, DESCRIBE, ANNOUNCE,
/// SETUP, PLAY, PAUSE, RECORD, TEARDOWN, GET_PARAMETER, SET_PARAMETER, with per-path Digest (and,
/// when the policy allows it, Basic) authentication checked before anything a request starts, random
/// session ids bound to this connection, and idle timeouts (`.connectionIdle`).
///
/// Driver contract: feed each parsed request to `handle(_:now:)`; answer every `.lookup`, `.wake`,
/// `.checkCredentials`, `.needServerPorts` and `.play` event with `resolve`, `resolveCredentials`,
/// `provideServerPorts`/`rejectTransport` and `acceptPlay` (requests that arrive meanwhile are
/// queued); close the connection on `.connectionIdle` and `.closeConnection`; call `handleTimeout(now:)` at the last `.timeout`; drain `poll()` until it
/// returns `.timeout` after every call.
public struct RTSPServerSession: Sendable {
    struct PathKey: Hashable, Sendable {
        var path: String
        var access: RTSPAccess
    }

    enum Waiting: Sendable {
        case lookup(PathKey)
        case wake(PathKey)
        case credentials(PathKey)
        case ports
        case play
    }

    struct Parked: Sendable {
        var id: RTSPQueryID
        var request: RTSPRequest
        var waiting: Waiting
    }

    /// Answers carried into the replay of a parked request.
    enum Answer: Sendable {
        case ports(rtp: UInt16, rtcp: UInt16)
        case portsRejected
        case rtpInfo([RTSPServerRTPInfo])
    }

    struct SessionState: Sendable {
        var id: String
        var path: String
        var access: RTSPAccess
        var tracks: [RTSPServerTrack] = []
        var active = false
        var lastActivity: Instant
        var description: SessionDescription?
        var usesUDP: Bool { tracks.contains { if case .udp = $0.transport { true } else { false } } }
    }

    public let configuration: RTSPServerConfiguration
    var verifier: RTSPAuthVerifier
    /// The last request, interleaved frame or `noteActivity`: the idle timeouts count from it.
    var lastActivity: Instant
    var outputs = OutputQueue<RTSPServerOutput>()
    var queue: [RTSPRequest] = []
    var parked: Parked?
    var answer: Answer?
    var nextQueryID: UInt64 = 1
    var pathInfo: [PathKey: RTSPPathInfo] = [:]
    var authorized: Set<PathKey> = []
    /// Path → description announced by a publisher on this connection.
    var announced: [String: SessionDescription] = [:]
    /// Path → normalized control (path?query) of each media section, from DESCRIBE or ANNOUNCE.
    var controls: [String: [String]] = [:]
    /// Path → description served by DESCRIBE on this connection (with our control attributes).
    var describedSDP: [String: SessionDescription] = [:]
    var session: SessionState?
    /// Interleaved frames on channels no track uses.
    public internal(set) var ignoredInterleavedFrames = 0

    public static let supportedMethods: [RTSPMethod] = [
        .options, .describe, .announce, .setup, .play, .pause, .record, .teardown, .getParameter, .setParameter,
    ]

    /// `now`: when the connection opened (the idle timeout starts).
    public init(configuration: RTSPServerConfiguration = RTSPServerConfiguration(), now: Instant) {
        self.configuration = configuration
        verifier = RTSPAuthVerifier(nonces: configuration.nonces, maxTrackedNonces: configuration.maxNoncesPerConnection)
        lastActivity = now
    }

    /// The id of this connection's session, if one exists.
    public var sessionID: String? { session?.id }

    // MARK: - Inputs

    public mutating func handle(_ request: RTSPRequest, now: Instant) {
        lastActivity = now
        if parked != nil {
            guard queue.count < configuration.maxQueuedRequests else {
                respond(to: request, .serviceUnavailable)
                return
            }
            queue.append(request)
            return
        }
        process(request, now: now)
    }

    /// Answer to `.lookup` (nil: no such path → 404) and to `.wake`.
    public mutating func resolve(_ id: RTSPQueryID, with info: RTSPPathInfo?, now: Instant) {
        guard let parked, parked.id == id else { return }
        let key: PathKey
        var woken = false
        switch parked.waiting {
        case .lookup(let k): key = k
        case .wake(let k): key = k; woken = true
        default: return
        }
        self.parked = nil
        if var info {
            if woken { info.startsOnDemand = false }   // woken once per DESCRIBE
            pathInfo[key] = info
            process(parked.request, now: now, replay: true)
        } else {
            respond(to: parked.request, .notFound)
        }
        drainQueue(now: now)
    }

    /// Answer to `.checkCredentials`: allowed, the parked request goes on (its path and access stay
    /// authorized on this connection); denied, 401 with fresh challenges; forbidden, 403; blocked,
    /// 401 with `Retry-After` and no challenge, then `.closeConnection` (queued requests are dropped).
    public mutating func resolveCredentials(_ id: RTSPQueryID, _ verdict: RTSPCredentialVerdict, now: Instant) {
        guard let parked, parked.id == id, case .credentials(let key) = parked.waiting else { return }
        self.parked = nil
        switch verdict {
        case .allow:
            authorized.insert(key)
            process(parked.request, now: now, replay: true)
        case .deny:
            challenge(parked.request, policy: pathInfo[key]?.authentication, now: now)
        case .forbidden:
            respond(to: parked.request, .forbidden)
        case .blocked(let seconds):
            refuseBlocked(parked.request, retryAfterSeconds: seconds)
            return
        }
        drainQueue(now: now)
    }

    /// Answer to `.needServerPorts`: the runtime bound `rtp`/`rtcp` for the track.
    public mutating func provideServerPorts(_ id: RTSPQueryID, rtp: UInt16, rtcp: UInt16, now: Instant) {
        resume(id, expecting: .ports, with: .ports(rtp: rtp, rtcp: rtcp), now: now)
    }

    /// Answer to `.needServerPorts` when no ports could be bound (→ 461, clients then try TCP).
    public mutating func rejectTransport(_ id: RTSPQueryID, now: Instant) {
        resume(id, expecting: .ports, with: .portsRejected, now: now)
    }

    /// Answer to `.play`: RTP-Info values of the tracks (empty to omit the header).
    public mutating func acceptPlay(_ id: RTSPQueryID, rtpInfo: [RTSPServerRTPInfo], now: Instant) {
        resume(id, expecting: .play, with: .rtpInfo(rtpInfo), now: now)
    }

    /// Media or RTCP from the client (UDP or interleaved) keeps the session alive.
    public mutating func noteActivity(now: Instant) {
        session?.lastActivity = now
        lastActivity = now
    }

    /// Where an interleaved frame from the client belongs; nil (and counted) for unknown channels.
    public mutating func routeInterleaved(channel: UInt8, now: Instant) -> (mediaIndex: Int, isRTCP: Bool)? {
        if let session {
            for track in session.tracks {
                if case .interleaved(let rtp, let rtcp) = track.transport {
                    if channel == rtp { noteActivity(now: now); return (track.mediaIndex, false) }
                    if channel == rtcp { noteActivity(now: now); return (track.mediaIndex, true) }
                }
            }
        }
        ignoredInterleavedFrames += 1
        return nil
    }

    /// Reaps a session idle for `sessionTimeout` (on TCP the connection closes with it) and asks to
    /// close a session-less connection idle for `idleTimeout`. A request waiting for the runtime
    /// is not idleness.
    public mutating func handleTimeout(now: Instant) {
        if let session, let deadline = sessionDeadline, now >= deadline {
            self.session = nil
            emit(.event(.sessionClosed(sessionID: session.id, reason: .timedOut)))
            if !session.usesUDP { emit(.event(.connectionIdle)) }
            return
        }
        if session == nil, parked == nil, now - lastActivity >= configuration.idleTimeout {
            lastActivity = .distantFuture   // asked once
            emit(.event(.connectionIdle))
        }
    }

    /// The connection is gone: ends the session.
    public mutating func connectionClosed(now: Instant) {
        guard let session else { return }
        self.session = nil
        emit(.event(.sessionClosed(sessionID: session.id, reason: .connectionClosed)))
    }

    public mutating func poll() -> RTSPServerOutput {
        if let output = outputs.popFirst() { return output }
        if let sessionDeadline { return .timeout(sessionDeadline) }
        guard parked == nil, lastActivity != .distantFuture else { return .timeout(.distantFuture) }
        return .timeout(lastActivity + configuration.idleTimeout)
    }

    /// When the session ends unless something arrives: UDP sessions count requests naming them and
    /// client RTCP, TCP sessions anything on their connection.
    private var sessionDeadline: Instant? {
        guard let session else { return nil }
        let last = session.usesUDP ? session.lastActivity : max(session.lastActivity, lastActivity)
        return last + configuration.sessionTimeout
    }

    // MARK: - Plumbing

    mutating func resume(_ id: RTSPQueryID, expecting: Waiting, with value: Answer, now: Instant) {
        guard let parked, parked.id == id else { return }
        switch (parked.waiting, expecting) {
        case (.ports, .ports), (.play, .play): break
        default: return
        }
        self.parked = nil
        answer = value
        process(parked.request, now: now, replay: true)
        answer = nil
        drainQueue(now: now)
    }

    mutating func drainQueue(now: Instant) {
        while parked == nil, !queue.isEmpty {
            process(queue.removeFirst(), now: now)
        }
    }

    mutating func emit(_ output: RTSPServerOutput) { outputs.append(output) }

    /// Parks `request` until the runtime answers the event built from the new query id.
    mutating func park(_ request: RTSPRequest, _ waiting: Waiting, event: (RTSPQueryID) -> RTSPServerEvent) {
        let id = RTSPQueryID(rawValue: nextQueryID)
        nextQueryID += 1
        parked = Parked(id: id, request: request, waiting: waiting)
        emit(.event(event(id)))
    }

    mutating func respond(to request: RTSPRequest, _ status: RTSPStatus, headers extra: RTSPHeaders = RTSPHeaders(),
                          body: [UInt8] = []) {
        var headers = RTSPHeaders()
        headers.add("CSeq", request.headers["CSeq"] ?? "0")
        headers.add("Server", configuration.serverName)
        for field in extra { headers.add(field.name, field.value) }
        emit(.send(RTSPResponse(status: status, headers: headers, body: body)))
    }

    /// The cached path information, or nil after parking the request on a `.lookup`.
    mutating func info(for key: PathKey, request: RTSPRequest) -> RTSPPathInfo? {
        if let cached = pathInfo[key] { return cached }
        park(request, .lookup(key)) { .lookup($0, path: key.path, access: key.access) }
        return nil
    }

    /// Checks authentication once per connection, path and access; answers 401 when it fails, or
    /// parks the request on `.checkCredentials` when only the runtime can decide (false either way).
    mutating func authorize(_ request: RTSPRequest, key: PathKey, info: RTSPPathInfo, now: Instant) -> Bool {
        // Checked before anything the request may start (an on-demand source, ports, a reader).
        guard let policy = info.authentication, !authorized.contains(key) else { return true }
        if let seconds = policy.blockedForSeconds {
            refuseBlocked(request, retryAfterSeconds: seconds)
            return false
        }
        switch verifier.verify(request, policy: policy, now: now) {
        case .authorized:
            authorized.insert(key)
            return true
        case .external(let username, let password):
            let check = RTSPCredentialCheck(path: key.path, access: key.access, username: username, password: password)
            park(request, .credentials(key)) { .checkCredentials($0, check) }
            return false
        case .challenge(let values):
            if request.headers.contains("Authorization") || RTSPAuthVerifier.queryToken(request.uri) != nil {
                emit(.event(.authenticationFailed(path: key.path, username: Self.digestUsername(request))))
            }
            respondUnauthorized(request, challenges: values)
            return false
        }
    }

    /// 401 with fresh challenges of `policy`.
    mutating func challenge(_ request: RTSPRequest, policy: RTSPAuthPolicy?, now: Instant) {
        respondUnauthorized(request, challenges: policy.map { verifier.challenges(for: $0, now: now) } ?? [])
    }

    /// 401 with `Retry-After` and no challenge (nothing to try: clients such as ffmpeg retry a
    /// 401 only when it offers one), then `.closeConnection`; requests queued behind it are dropped.
    mutating func refuseBlocked(_ request: RTSPRequest, retryAfterSeconds: Int) {
        var extra = RTSPHeaders()
        extra.add("Retry-After", "\(retryAfterSeconds)")
        respondUnauthorized(request, challenges: [], extra: extra)
        queue.removeAll()
        emit(.event(.closeConnection))
    }

    private mutating func respondUnauthorized(_ request: RTSPRequest, challenges: [String], extra: RTSPHeaders = RTSPHeaders()) {
        var headers = extra
        for value in challenges { headers.add("WWW-Authenticate", value) }
        respond(to: request, .unauthorized, headers: headers)
    }

    static func digestUsername(_ request: RTSPRequest) -> String? {
        guard let header = request.headers["Authorization"] else { return nil }
        return RTSPAuthParameters.parseCredentials(header)?["username"]
    }

    /// The request's path without leading/trailing `/` and query, or nil for an unusable URL.
    static func path(of uri: String) -> String? {
        guard let url = RTSPURL(string: uri) else { return nil }
        var path = Substring(url.path)
        while path.hasPrefix("/") { path = path.dropFirst() }
        while path.hasSuffix("/") { path = path.dropLast() }
        return String(path)
    }

    /// `path?query` without trailing `/`, for comparing control URLs whatever host name was used.
    static func normalizedControl(_ url: RTSPURL) -> String {
        var path = url.path
        while path.hasSuffix("/") { path.removeLast() }
        return path + (url.query.map { "?\($0)" } ?? "")
    }
}
