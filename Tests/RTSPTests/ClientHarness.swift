import RTCBase
import RTSP
import SDP
import TestSupport

/// Drives an `RTSPClientSession` like the runtime would, on virtual time, and plays a scripted server.
struct ClientHarness {
    var session: RTSPClientSession
    let clock = VirtualClock()
    var sent: [RTSPRequest] = []
    var responses: [RTSPResponse] = []
    var events: [RTSPClientEvent] = []
    var deadline = Instant.distantFuture

    init(_ url: String, transport: RTSPTransportPreference = .automatic, credentials: RTSPCredentials? = nil) {
        let parsed = RTSPURL(string: url) ?? RTSPURL(host: "invalid")
        session = RTSPClientSession(configuration: RTSPClientConfiguration(url: parsed, credentials: credentials,
                                                                           transport: transport))
    }

    var now: Instant { clock.now }
    var last: RTSPRequest { sent.last ?? RTSPRequest(method: RTSPMethod("NONE"), uri: "") }

    mutating func drain() {
        while true {
            switch session.poll() {
            case .send(let request): sent.append(request)
            case .sendResponse(let response): responses.append(response)
            case .event(let event): events.append(event)
            case .timeout(let instant): deadline = instant; return
            }
        }
    }

    mutating func start() { session.start(now: now); drain() }

    /// Answers the last request with its CSeq.
    mutating func reply(_ code: Int, _ headers: [(String, String)] = [], body: String = "") {
        var fields = RTSPHeaders()
        fields.add("CSeq", last.headers["CSeq"] ?? "0")
        for (name, value) in headers { fields.add(name, value) }
        session.handle(.response(RTSPResponse(status: RTSPStatus(code: code), headers: fields, body: Array(body.utf8))),
                       now: now)
        drain()
    }

    mutating func advance(to instant: Instant) {
        clock.set(to: instant)
        session.handleTimeout(now: now)
        drain()
    }

    var lastEvent: RTSPClientEvent? { events.last }

    var failure: RTSPClientError? {
        for event in events { if case .failed(let error) = event { return error } }
        return nil
    }
}

enum CameraFixtures {
    /// A Hikvision DS-2CD answer to DESCRIBE (absolute control URLs, H.264 + PCMU).
    static let hikvisionSDP = """
    v=0\r
    o=- 1109162014219182 1109162014219192 IN IP4 192.168.1.64\r
    s=Media Presentation\r
    e=NONE\r
    b=AS:5050\r
    t=0 0\r
    a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/\r
    m=video 0 RTP/AVP 96\r
    c=IN IP4 0.0.0.0\r
    b=AS:5000\r
    a=recvonly\r
    a=x-dimensions:1920,1080\r
    a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1\r
    a=rtpmap:96 H264/90000\r
    a=fmtp:96 profile-level-id=420029; packetization-mode=1; sprop-parameter-sets=Z00AKpY1QPAET8s3AQEBAgAAAAE=,aO48gAAAAAE=\r
    m=audio 0 RTP/AVP 0\r
    c=IN IP4 0.0.0.0\r
    a=recvonly\r
    a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=2\r
    a=rtpmap:0 PCMU/8000\r
    m=application 0 RTP/AVP 107\r
    a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=4\r
    a=rtpmap:107 isapi.metadata/90000\r

    """

    /// A live555-style answer with relative control URLs (Content-Base carries the base).
    static let live555SDP = """
    v=0\r
    o=- 1699999999 1 IN IP4 10.0.0.7\r
    s=H.264 Video, streamed by the LIVE555 Media Server\r
    t=0 0\r
    a=tool:LIVE555 Streaming Media v2023.01.19\r
    a=range:npt=now-\r
    a=control:*\r
    m=video 0 RTP/AVP 96\r
    c=IN IP4 0.0.0.0\r
    a=rtpmap:96 H264/90000\r
    a=fmtp:96 packetization-mode=1;profile-level-id=64001F;sprop-parameter-sets=Z2QAH6zZQFAFuwEQAAADABAAAAMDwPGDGWA=,aOvjyyLA\r
    a=control:track1\r

    """
}
