import RTCBase
import RTSP
import SDP
import TestSupport

/// Drives an `RTSPServerSession` like the runtime would, on virtual time, as a scripted client.
struct ServerHarness {
    var session: RTSPServerSession
    let clock = VirtualClock()
    var responses: [RTSPResponse] = []
    var events: [RTSPServerEvent] = []
    var deadline = Instant.distantFuture
    var cseq = 0
    var sessionID: String?

    init(configuration: RTSPServerConfiguration = RTSPServerConfiguration(
        nonces: RTSPNonceIssuer(secret: [UInt8](repeating: 3, count: 32)))) {
        session = RTSPServerSession(configuration: configuration, now: clock.now)
    }

    var now: Instant { clock.now }

    mutating func drain() {
        while true {
            switch session.poll() {
            case .send(let response): responses.append(response)
            case .event(let event): events.append(event)
            case .timeout(let instant): deadline = instant; return
            }
        }
    }

    /// Sends a request (CSeq and the known Session added) and returns the new answer, if any.
    @discardableResult
    mutating func request(_ method: RTSPMethod, _ uri: String, _ headers: [(String, String)] = [],
                          body: String = "", withSession: Bool = true) -> RTSPResponse? {
        cseq += 1
        var fields = RTSPHeaders()
        fields.add("CSeq", String(cseq))
        if withSession, let sessionID { fields.add("Session", sessionID) }
        for (name, value) in headers { fields.add(name, value) }
        let before = responses.count
        session.handle(RTSPRequest(method: method, uri: uri, headers: fields, body: Array(body.utf8)), now: now)
        drain()
        return responses.count > before ? responses.last : nil
    }

    var lastEvent: RTSPServerEvent? { events.last }

    /// Moves the clock to `instant` and feeds the session its timeout.
    mutating func timeout(at instant: Instant) {
        clock.set(to: instant)
        session.handleTimeout(now: now)
        drain()
    }

    /// Answers the pending `.lookup` or `.wake`.
    @discardableResult
    mutating func resolve(_ info: RTSPPathInfo?) -> RTSPResponse? {
        let id: RTSPQueryID
        switch lastEvent {
        case .lookup(let query, _, _), .wake(let query, _): id = query
        default: return nil
        }
        let before = responses.count
        session.resolve(id, with: info, now: now)
        drain()
        return responses.count > before ? responses.last : nil
    }

    @discardableResult
    mutating func providePorts(rtp: UInt16, rtcp: UInt16) -> RTSPResponse? {
        guard case .needServerPorts(let id, _, _, _, _) = lastEvent else { return nil }
        let before = responses.count
        session.provideServerPorts(id, rtp: rtp, rtcp: rtcp, now: now)
        drain()
        return responses.count > before ? responses.last : nil
    }

    @discardableResult
    mutating func acceptPlay(_ infos: [RTSPServerRTPInfo]) -> RTSPResponse? {
        guard case .play(let id, _) = lastEvent else { return nil }
        let before = responses.count
        session.acceptPlay(id, rtpInfo: infos, now: now)
        drain()
        return responses.count > before ? responses.last : nil
    }

    mutating func rememberSession(_ response: RTSPResponse?) {
        if let value = response?.headers["Session"], let header = try? RTSPSessionHeader(parsing: value) {
            sessionID = header.id
        }
    }
}

enum ServerFixtures {
    /// What the routing core would hand out for a path with H.264 + Opus.
    static let pathSDP: SessionDescription = {
        let text = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=door\r\nt=0 0\r\n"
            + "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n"
            + "m=audio 0 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n"
        return (try? SessionDescription(parsing: text)) ?? SessionDescription(origin: SDPOrigin(sessionID: "0"))
    }()

    /// ffmpeg 6 `-f rtsp` ANNOUNCE body.
    static let ffmpegAnnounce = """
    v=0\r
    o=- 0 0 IN IP4 127.0.0.1\r
    s=No Name\r
    c=IN IP4 127.0.0.1\r
    t=0 0\r
    a=tool:libavformat 60.16.100\r
    m=video 0 RTP/AVP 96\r
    b=AS:1000\r
    a=rtpmap:96 H264/90000\r
    a=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z2QAH6zZQFAFuwEQAAADABAAAAMDwPGDGWA=,aOvjyyLA; profile-level-id=64001F\r
    a=control:streamid=0\r
    m=audio 0 RTP/AVP 97\r
    b=AS:128\r
    a=rtpmap:97 MPEG4-GENERIC/48000/2\r
    a=fmtp:97 profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3; config=119056E500\r
    a=control:streamid=1\r

    """
}
