import RTCBase
import SDP

/// Sans-IO RTSP client for one camera (RFC 2326 §10, with RFC 7826 awareness): OPTIONS → DESCRIBE
/// → SETUP per track → PLAY → keepalive → TEARDOWN, with Basic/Digest authentication, redirects
/// and the UDP → TCP fallback.
///
/// Driver contract: open a TCP connection to `configuration.url`, call `start(now:)`; feed every
/// item of an `RTSPStreamParser` to `handle(_:now:)`; call `handleTimeout(now:)` at the instant of
/// the last `.timeout`; after every call drain `poll()` until it returns `.timeout`.
public struct RTSPClientSession: Sendable {
    enum Phase: Sendable, Equatable {
        case idle, options, describe, setup(Int), awaitingPorts(Int), play, playing, tearingDown
        case reconnecting, closed, failed
    }

    enum RequestKind: Sendable, Equatable {
        case options, describe, setup(Int), play, keepalive, teardown
    }

    struct Pending: Sendable {
        var kind: RequestKind
        var method: RTSPMethod
        var uri: String
        var headers: RTSPHeaders
        var deadline: Instant
        var authRetried = false
        var staleRetried = false
    }

    public let configuration: RTSPClientConfiguration
    /// The URL of the current attempt (after redirects), without credentials.
    public internal(set) var url: RTSPURL
    var credentials: RTSPCredentials?
    var authenticator: RTSPClientAuthenticator?
    /// Whether the current attempt uses interleaved TCP.
    public internal(set) var usesTCP: Bool
    var redirects = 0
    var phase: Phase = .idle
    var publicMethods: [RTSPMethod] = []
    var keepaliveWithOptions = false

    var description: SessionDescription?
    var tracks: [RTSPTrack] = []
    var aggregateURL: RTSPURL
    var sessionID: String?
    var sessionTimeout: Duration
    var transports: [RTSPTrackTransport?] = []
    var ssrcs: [UInt32?] = []
    var clientPorts: [Int: (rtp: UInt16, rtcp: UInt16)] = [:]
    /// Interleaved channel → track * 2 + (1 for RTCP); -1 when unused.
    var channelRoutes = [Int16](repeating: -1, count: 256)

    var pending: [Int: Pending] = [:]
    var nextCSeq = 1
    var keepaliveDeadline: Instant?
    var outputs = OutputQueue<RTSPClientOutput>()

    /// Responses whose CSeq matched no outstanding request.
    public internal(set) var ignoredResponses = 0
    /// Interleaved frames on channels no track uses.
    public internal(set) var ignoredInterleavedFrames = 0

    static let maxPending = 16
    /// Interleaved channels 2i and 2i+1 must fit in a byte.
    static let maxTracks = 127

    public init(configuration: RTSPClientConfiguration) {
        self.configuration = configuration
        url = configuration.url.withoutCredentials
        aggregateURL = url
        credentials = configuration.credentials
        usesTCP = configuration.transport == .tcp
        sessionTimeout = configuration.defaultSessionTimeout
    }

    // MARK: - Inputs

    /// The TCP connection to `url` is open (first time, or after a `.reconnect` event): sends OPTIONS.
    public mutating func start(now: Instant) {
        guard phase == .idle || phase == .reconnecting else { return }
        resetAttempt()
        phase = .options
        send(.options, method: .options, uri: url.absoluteString, now: now)
    }

    /// An item parsed from the connection.
    public mutating func handle(_ item: RTSPStreamItem, now: Instant) {
        guard phase != .closed, phase != .failed, phase != .reconnecting else { return }
        switch item {
        case .interleaved(let channel, let payload):
            let route = channelRoutes[Int(channel)]
            guard route >= 0 else { ignoredInterleavedFrames += 1; return }
            let track = Int(route >> 1)
            emit(.event(route & 1 == 0 ? .rtp(track: track, payload: payload) : .rtcp(track: track, payload: payload)))
        case .request(let request):
            answerServerRequest(request)
        case .response(let response):
            handleResponse(response, now: now)
        }
    }

    /// Where interleaved `channel` goes, for runtimes that route frames without `handle`.
    public func route(channel: UInt8) -> (track: Int, isRTCP: Bool)? {
        let route = channelRoutes[Int(channel)]
        return route >= 0 ? (Int(route >> 1), route & 1 == 1) : nil
    }

    /// Answer to `.needUDPPorts(track:)`: the local RTP and RTCP ports bound for `track`.
    public mutating func providePorts(track: Int, rtp: UInt16, rtcp: UInt16, now: Instant) {
        clientPorts[track] = (rtp, rtcp)
        if phase == .awaitingPorts(track) { setupTrack(track, now: now) }
    }

    /// The runtime saw no UDP media for a while: restart over TCP (`.automatic`) or fail (`.udp`).
    public mutating func reportNoUDPMedia(now: Instant) {
        guard !usesTCP, phase == .playing || phase == .play else { return }
        guard configuration.transport == .automatic else { fail(.noMedia); return }
        restartWithTCP(now: now)
    }

    /// Stop: TEARDOWN when a session exists, then `.closed`.
    public mutating func close(now: Instant) {
        switch phase {
        case .closed, .failed, .tearingDown: return
        default: break
        }
        keepaliveDeadline = nil
        pending.removeAll()
        if sessionID != nil, phase != .reconnecting {
            phase = .tearingDown
            send(.teardown, method: .teardown, uri: aggregateURL.absoluteString, now: now,
                 timeout: configuration.teardownTimeout)
        } else {
            phase = .closed
            emit(.event(.closed))
        }
    }

    /// The connection closed (by the peer, or because the stream parser threw `error`).
    public mutating func connectionClosed(now: Instant, error: RTSPParseError? = nil) {
        switch phase {
        case .reconnecting, .closed, .failed: return
        case .tearingDown:
            phase = .closed
            emit(.event(.closed))
        default:
            fail(error.map { .protocolViolation($0.reason) } ?? .connectionClosed)
        }
    }

    /// Expires requests and sends keepalives.
    public mutating func handleTimeout(now: Instant) {
        for (cseq, entry) in pending where entry.deadline <= now {
            pending[cseq] = nil
            if entry.kind == .teardown {
                phase = .closed
                emit(.event(.closed))
                return
            }
            if entry.kind == .keepalive, phase == .playing, usesTCP {
                // Media keeps the TCP session alive; some cameras never answer keepalives.
                continue
            }
            fail(.timeout(method: entry.method.rawValue))
            return
        }
        if phase == .playing, let deadline = keepaliveDeadline, deadline <= now,
           !pending.values.contains(where: { $0.kind == .keepalive }) {
            let method: RTSPMethod = keepaliveWithOptions || !publicMethods.contains(.getParameter) ? .options : .getParameter
            send(.keepalive, method: method, uri: aggregateURL.absoluteString, now: now)
        }
    }

    /// The next thing to do; ends with `.timeout`.
    public mutating func poll() -> RTSPClientOutput {
        if let output = outputs.popFirst() { return output }
        return .timeout(nextDeadline)
    }

    /// When `handleTimeout` must run next.
    var nextDeadline: Instant {
        guard phase != .closed, phase != .failed else { return .distantFuture }
        var deadline = Instant.distantFuture
        for entry in pending.values { deadline = min(deadline, entry.deadline) }
        if phase == .playing, let keepaliveDeadline { deadline = min(deadline, keepaliveDeadline) }
        return deadline
    }

    // MARK: - Helpers shared with the response handling

    mutating func emit(_ output: RTSPClientOutput) { outputs.append(output) }

    mutating func fail(_ error: RTSPClientError) {
        guard phase != .failed, phase != .closed else { return }
        phase = .failed
        pending.removeAll()
        keepaliveDeadline = nil
        emit(.event(.failed(error)))
    }

    /// Clears everything learnt on the previous connection.
    mutating func resetAttempt() {
        pending.removeAll()
        authenticator = nil
        description = nil
        tracks = []
        transports = []
        ssrcs = []
        sessionID = nil
        sessionTimeout = configuration.defaultSessionTimeout
        aggregateURL = url
        keepaliveDeadline = nil
        channelRoutes = [Int16](repeating: -1, count: 256)
    }

    mutating func send(_ kind: RequestKind, method: RTSPMethod, uri: String, headers: RTSPHeaders = RTSPHeaders(),
                       now: Instant, timeout: Duration? = nil) {
        var entry = Pending(kind: kind, method: method, uri: uri, headers: headers,
                            deadline: now + (timeout ?? configuration.responseTimeout))
        transmit(&entry, now: now)
    }

    /// Builds the request (CSeq, User-Agent, Session, Authorization) and records it as pending.
    mutating func transmit(_ entry: inout Pending, now: Instant) {
        let cseq = nextCSeq
        nextCSeq = nextCSeq >= 999_999_999 ? 1 : nextCSeq + 1
        var headers = RTSPHeaders()
        headers.add("CSeq", String(cseq))
        for field in entry.headers { headers.add(field.name, field.value) }
        headers.add("User-Agent", configuration.userAgent)
        if let sessionID, entry.kind != .options, entry.kind != .describe {
            headers.add("Session", sessionID)
            keepaliveDeadline = now + .nanoseconds(sessionTimeout.nanosecondsClamped / 2)
        }
        if authenticator != nil {
            headers.add("Authorization", authenticator?.authorization(method: entry.method, uri: entry.uri) ?? "")
        }
        if pending.count >= Self.maxPending, let oldest = pending.keys.min() { pending[oldest] = nil }
        pending[cseq] = entry
        emit(.send(RTSPRequest(method: entry.method, uri: entry.uri, headers: headers)))
    }

    mutating func setupTrack(_ index: Int, now: Instant) {
        guard index < tracks.count else { return }
        let transport: RTSPTransport
        if usesTCP {
            let rtp = UInt16(clamping: index * 2)
            transport = RTSPTransport(lowerTransport: .tcp, interleaved: .init(rtp, rtp + 1))
        } else if let ports = clientPorts[index] {
            transport = RTSPTransport(clientPort: .init(ports.rtp, ports.rtcp))
        } else {
            phase = .awaitingPorts(index)
            emit(.event(.needUDPPorts(track: index)))
            return
        }
        phase = .setup(index)
        var headers = RTSPHeaders()
        headers.add("Transport", transport.headerValue)
        send(.setup(index), method: .setup, uri: tracks[index].controlURL.absoluteString, headers: headers, now: now)
    }

    /// TEARDOWN the UDP session (best effort, answer ignored) and reconnect for TCP.
    mutating func restartWithTCP(now: Instant) {
        if sessionID != nil {
            var entry = Pending(kind: .teardown, method: .teardown, uri: aggregateURL.absoluteString,
                                headers: RTSPHeaders(), deadline: now)
            transmit(&entry, now: now)
        }
        usesTCP = true
        reconnect(to: url)
    }

    mutating func reconnect(to target: RTSPURL) {
        url = target.withoutCredentials
        resetAttempt()
        clientPorts.removeAll()
        phase = .reconnecting
        emit(.event(.reconnect(url)))
    }

    /// Requests from the server on the same connection (RFC 2326 §10: OPTIONS, SET_PARAMETER...).
    mutating func answerServerRequest(_ request: RTSPRequest) {
        var headers = RTSPHeaders()
        if let cseq = request.headers["CSeq"] { headers.add("CSeq", cseq) }
        let status: RTSPStatus
        switch request.method {
        case .options, .getParameter, .setParameter: status = .ok
        default: status = .notImplemented
        }
        emit(.sendResponse(RTSPResponse(status: status, headers: headers)))
    }
}
