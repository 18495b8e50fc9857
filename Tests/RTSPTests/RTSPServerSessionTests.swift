import RTCBase
import RTSP
import SDP
import Testing

@Suite struct RTSPServerSessionTests {
    static let door = "rtsp://127.0.0.1:8554/door"

    @Test func optionsListsPublicMethods() {
        var h = ServerHarness()
        let response = h.request(.options, "*")
        #expect(response?.status.code == 200)
        #expect(response?.headers["Public"]
            == "OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, PAUSE, RECORD, TEARDOWN, GET_PARAMETER, SET_PARAMETER")
        #expect(response?.headers["CSeq"] == "1")
    }

    /// DESCRIBE → SETUP (UDP) ×2 → PLAY → keepalive → TEARDOWN, as VLC does it.
    @Test func playOverUDP() throws {
        var h = ServerHarness()
        #expect(h.request(.describe, Self.door, [("Accept", "application/sdp")]) == nil)
        #expect(h.lastEvent == .lookup(RTSPQueryID(rawValue: 1), path: "door", access: .read))
        let describeAnswer = h.resolve(RTSPPathInfo(description: ServerFixtures.pathSDP))
        let describe = try #require(describeAnswer)
        #expect(describe.status.code == 200)
        #expect(describe.headers["Content-Base"] == "rtsp://127.0.0.1:8554/door/")
        #expect(describe.headers["Content-Type"] == "application/sdp")
        let served = try SessionDescription(parsing: describe.body)
        #expect(served.attributes.firstValue(named: "control") == "*")
        #expect(served.media.map { $0.attributes.firstValue(named: "control") } == ["trackID=0", "trackID=1"])

        #expect(h.request(.setup, Self.door + "/trackID=0", [("Transport", "RTP/AVP;unicast;client_port=5000-5001")]) == nil)
        #expect(h.lastEvent == .needServerPorts(RTSPQueryID(rawValue: 2), path: "door", mediaIndex: 0,
                                                clientRTP: 5000, clientRTCP: 5001))
        let setupAnswer = h.providePorts(rtp: 30_000, rtcp: 30_001)
        let setup = try #require(setupAnswer)
        #expect(setup.status.code == 200)
        #expect(setup.headers["Transport"] == "RTP/AVP;unicast;client_port=5000-5001;server_port=30000-30001")
        let session = try RTSPSessionHeader(parsing: setup.headers["Session"] ?? "")
        #expect(session.timeout == 60)
        #expect(session.id.count == 24 && session.id.allSatisfy(\.isHexDigit))
        h.rememberSession(setup)
        h.request(.setup, Self.door + "/trackID=1", [("Transport", "RTP/AVP;unicast;client_port=5002-5003")])
        #expect(h.providePorts(rtp: 30_002, rtcp: 30_003)?.status.code == 200)

        #expect(h.request(.play, Self.door + "/", [("Range", "npt=0.000-")]) == nil)
        guard case .play(_, let stream) = h.lastEvent else { Issue.record("no play event"); return }
        #expect(stream.path == "door" && stream.sessionID == session.id)
        #expect(stream.tracks == [
            RTSPServerTrack(mediaIndex: 0, transport: .udp(clientRTP: 5000, clientRTCP: 5001, serverRTP: 30_000, serverRTCP: 30_001)),
            RTSPServerTrack(mediaIndex: 1, transport: .udp(clientRTP: 5002, clientRTCP: 5003, serverRTP: 30_002, serverRTCP: 30_003)),
        ])
        #expect(stream.description?.media.count == 2)
        let playAnswer = h.acceptPlay([RTSPServerRTPInfo(mediaIndex: 0, sequenceNumber: 100, rtpTimestamp: 9000),
                                              RTSPServerRTPInfo(mediaIndex: 1, sequenceNumber: 7, rtpTimestamp: 48000)])
        let play = try #require(playAnswer)
        #expect(play.status.code == 200)
        #expect(play.headers["RTP-Info"] == "url=rtsp://127.0.0.1:8554/door/trackID=0;seq=100;rtptime=9000,"
            + "url=rtsp://127.0.0.1:8554/door/trackID=1;seq=7;rtptime=48000")
        #expect(play.headers["Range"] == "npt=0.000-")
        #expect(play.headers["Session"] == session.id)

        #expect(h.request(.getParameter, Self.door + "/")?.status.code == 200)
        #expect(h.request(.pause, Self.door + "/")?.status.code == 200)
        #expect(h.lastEvent == .pause(sessionID: session.id))
        #expect(h.request(.teardown, Self.door + "/")?.status.code == 200)
        #expect(h.lastEvent == .sessionClosed(sessionID: session.id, reason: .teardown))
        #expect(h.session.sessionID == nil)
    }

    /// ffmpeg `-rtsp_transport tcp` reading: SETUP with interleaved channels, no DESCRIBE cache miss.
    @Test func playOverTCP() throws {
        var h = ServerHarness()
        h.request(.describe, Self.door)
        h.resolve(RTSPPathInfo(description: ServerFixtures.pathSDP))
        let setupAnswer = h.request(.setup, Self.door + "/trackID=0",
                                           [("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1")])
        let setup = try #require(setupAnswer)
        #expect(setup.headers["Transport"] == "RTP/AVP/TCP;unicast;interleaved=0-1")
        h.rememberSession(setup)
        // A client asking for channels already in use gets the next free pair.
        let secondAnswer = h.request(.setup, Self.door + "/trackID=1",
                                            [("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1")])
        let second = try #require(secondAnswer)
        #expect(second.headers["Transport"] == "RTP/AVP/TCP;unicast;interleaved=2-3")
        h.request(.play, Self.door + "/")
        #expect(h.acceptPlay([])?.headers["RTP-Info"] == nil)
        #expect(h.session.routeInterleaved(channel: 1, now: h.now)! == (0, true))
        #expect(h.session.routeInterleaved(channel: 2, now: h.now)! == (1, false))
        #expect(h.session.routeInterleaved(channel: 9, now: h.now) == nil)
        #expect(h.session.ignoredInterleavedFrames == 1)
        // TCP sessions are reaped after sessionTimeout with nothing on the connection (RTSPServerHardeningTests).
        #expect(h.deadline == h.now + .seconds(60))
        h.clock.advance(by: .seconds(59))
        h.session.handleTimeout(now: h.now)
        h.drain()
        #expect(h.session.sessionID != nil)
        h.session.connectionClosed(now: h.now)
        h.drain()
        if case .sessionClosed(_, .connectionClosed) = h.lastEvent {} else { Issue.record("no close on disconnect") }
    }

    /// ffmpeg `-f rtsp -rtsp_transport tcp rtsp://…/push`: ANNOUNCE, SETUP mode=record, RECORD.
    @Test func recordFromFFmpeg() throws {
        var h = ServerHarness()
        let push = "rtsp://127.0.0.1:8554/push"
        h.request(.announce, push, [("Content-Type", "application/sdp")], body: ServerFixtures.ffmpegAnnounce)
        #expect(h.lastEvent == .lookup(RTSPQueryID(rawValue: 1), path: "push", access: .publish))
        #expect(h.resolve(RTSPPathInfo(allowsPublishing: true))?.status.code == 200)
        let setupAnswer = h.request(.setup, push + "/streamid=0",
                                           [("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1;mode=record")])
        let setup = try #require(setupAnswer)
        #expect(setup.status.code == 200)
        #expect(setup.headers["Transport"] == "RTP/AVP/TCP;unicast;interleaved=0-1;mode=RECORD")
        h.rememberSession(setup)
        #expect(h.request(.setup, push + "/streamid=1",
                          [("Transport", "RTP/AVP/TCP;unicast;interleaved=2-3;mode=record")])?.status.code == 200)
        // PLAY on a publishing session is not valid.
        #expect(h.request(.play, push)?.status.code == 455)
        #expect(h.request(.record, push, [("Range", "npt=0.000-")])?.status.code == 200)
        guard case .record(let stream) = h.lastEvent else { Issue.record("no record event"); return }
        #expect(stream.path == "push")
        #expect(stream.tracks.map(\.transport) == [.interleaved(rtp: 0, rtcp: 1), .interleaved(rtp: 2, rtcp: 3)])
        #expect(stream.description?.media.first?.rtpMap(for: 96)?.encodingName == "H264")
        #expect(h.session.routeInterleaved(channel: 2, now: h.now)! == (1, false))
    }

    @Test func recordOverUDP() throws {
        var h = ServerHarness()
        let push = "rtsp://127.0.0.1:8554/push"
        h.request(.announce, push, [("Content-Type", "application/sdp")], body: ServerFixtures.ffmpegAnnounce)
        h.resolve(RTSPPathInfo(allowsPublishing: true))
        h.request(.setup, push + "/streamid=0", [("Transport", "RTP/AVP/UDP;unicast;client_port=6000-6001;mode=record")])
        #expect(h.lastEvent == .needServerPorts(RTSPQueryID(rawValue: 2), path: "push", mediaIndex: 0,
                                                clientRTP: 6000, clientRTCP: 6001))
        let setupAnswer = h.providePorts(rtp: 31_000, rtcp: 31_001)
        let setup = try #require(setupAnswer)
        #expect(setup.headers["Transport"] == "RTP/AVP/UDP;unicast;client_port=6000-6001;server_port=31000-31001;mode=RECORD")
        h.rememberSession(setup)
        #expect(h.request(.record, push)?.status.code == 200)
        guard case .record(let stream) = h.lastEvent else { Issue.record("no record event"); return }
        #expect(stream.tracks == [RTSPServerTrack(mediaIndex: 0, transport: .udp(clientRTP: 6000, clientRTCP: 6001,
                                                                                serverRTP: 31_000, serverRTCP: 31_001))])
    }

    @Test func publishingRefusedAndBadAnnounce() {
        var h = ServerHarness()
        h.request(.announce, "rtsp://127.0.0.1:8554/door", [("Content-Type", "application/sdp")], body: ServerFixtures.ffmpegAnnounce)
        #expect(h.resolve(RTSPPathInfo(allowsPublishing: false))?.status.code == 403)
        h.request(.announce, "rtsp://127.0.0.1:8554/push", body: "garbage")
        #expect(h.resolve(RTSPPathInfo(allowsPublishing: true))?.status.code == 400)
        #expect(h.request(.announce, "rtsp://127.0.0.1:8554/push", [("Content-Type", "text/plain")])?.status.code == 415)
    }

    static let policy = RTSPAuthPolicy(realm: "RTCBridge", users: [RTSPCredentials(username: "viewer", password: "pw")])

    @Test func authenticationRequiredThenGranted() throws {
        var h = ServerHarness()
        h.request(.describe, Self.door)
        let challengeAnswer = h.resolve(RTSPPathInfo(description: ServerFixtures.pathSDP, authentication: Self.policy))
        let challenge = try #require(challengeAnswer)
        #expect(challenge.status.code == 401)
        let values = challenge.headers.values(named: "WWW-Authenticate")
        #expect(values.count == 2 && values.allSatisfy { $0.hasPrefix("Digest realm=\"RTCBridge\"") })
        let parsed = try #require(RTSPAuthChallenge.parse(values).first)
        var authenticator = RTSPClientAuthenticator(credentials: RTSPCredentials(username: "viewer", password: "pw"),
                                                    challenge: parsed)
        // DESCRIBE always asks for the current description, then checks the credentials.
        #expect(h.request(.describe, Self.door,
                          [("Authorization", authenticator.authorization(method: .describe, uri: Self.door))]) == nil)
        #expect(h.resolve(RTSPPathInfo(description: ServerFixtures.pathSDP, authentication: Self.policy))?.status.code == 200)
        // Authorized once per connection and path: SETUP needs no new header.
        #expect(h.request(.setup, Self.door + "/trackID=0", [("Transport", "RTP/AVP/TCP;interleaved=0-1")])?.status.code == 200)
    }

    @Test func authenticationFailureIsReported() throws {
        var h = ServerHarness()
        h.request(.describe, Self.door)
        let challengeAnswer = h.resolve(RTSPPathInfo(description: ServerFixtures.pathSDP, authentication: Self.policy))
        let challenge = try #require(challengeAnswer)
        var wrong = RTSPClientAuthenticator(credentials: RTSPCredentials(username: "viewer", password: "nope"),
                                            challenge: try #require(RTSPAuthChallenge.parse(challenge.headers.values(named: "WWW-Authenticate")).first))
        h.request(.describe, Self.door, [("Authorization", wrong.authorization(method: .describe, uri: Self.door))])
        let deniedAnswer = h.resolve(RTSPPathInfo(description: ServerFixtures.pathSDP, authentication: Self.policy))
        let denied = try #require(deniedAnswer)
        #expect(denied.status.code == 401)
        #expect(h.events.contains(.authenticationFailed(path: "door", username: "viewer")))
        // SETUP without DESCRIBE on the protected path is refused too.
        h.request(.setup, Self.door + "/trackID=0", [("Transport", "RTP/AVP/TCP;interleaved=0-1")])
        #expect(h.responses.last?.status.code == 401)
    }

    @Test func foreignSessionIDIsRejected() throws {
        var first = ServerHarness()
        first.request(.describe, Self.door)
        first.resolve(RTSPPathInfo(description: ServerFixtures.pathSDP))
        let setupAnswer = first.request(.setup, Self.door + "/trackID=0", [("Transport", "RTP/AVP/TCP;interleaved=0-1")])
        let setup = try #require(setupAnswer)
        let foreignID = try RTSPSessionHeader(parsing: setup.headers["Session"] ?? "").id

        var second = ServerHarness()
        second.request(.describe, Self.door)
        second.resolve(RTSPPathInfo(description: ServerFixtures.pathSDP))
        let ownAnswer = second.request(.setup, Self.door + "/trackID=0", [("Transport", "RTP/AVP/TCP;interleaved=0-1")])
        let own = try #require(ownAnswer)
        #expect(try RTSPSessionHeader(parsing: own.headers["Session"] ?? "").id != foreignID)
        second.sessionID = foreignID
        #expect(second.request(.play, Self.door + "/")?.status.code == 454)
        #expect(second.request(.teardown, Self.door + "/")?.status.code == 454)
        #expect(second.request(.setup, Self.door + "/trackID=1", [("Transport", "RTP/AVP/TCP;interleaved=2-3")])?.status.code == 454)
        #expect(second.request(.play, Self.door + "/", withSession: false)?.status.code == 454)
        #expect(second.session.sessionID != nil)
    }

    @Test func idleUDPSessionsAreReaped() throws {
        var h = ServerHarness()
        h.request(.describe, Self.door)
        h.resolve(RTSPPathInfo(description: ServerFixtures.pathSDP))
        h.request(.setup, Self.door + "/trackID=0", [("Transport", "RTP/AVP;unicast;client_port=5000-5001")])
        h.rememberSession(h.providePorts(rtp: 30_000, rtcp: 30_001))
        let start = h.now
        #expect(h.deadline == start + .seconds(60))
        h.clock.advance(by: .seconds(40))
        h.session.noteActivity(now: h.now)  // RTCP receiver report
        h.drain()
        #expect(h.deadline == start + .seconds(100))
        h.timeout(at: start + .seconds(99))
        #expect(h.session.sessionID != nil)
        h.timeout(at: start + .seconds(100))
        #expect(h.lastEvent == .sessionClosed(sessionID: h.sessionID ?? "", reason: .timedOut))
        #expect(h.session.sessionID == nil)
        // Now a connection without a session: closed after idleTimeout without a request.
        #expect(h.deadline == start + .seconds(40) + RTSPServerConfiguration().idleTimeout)
        #expect(h.request(.getParameter, Self.door)?.status.code == 454)
    }

    @Test func statusCodesWhereRight() throws {
        var h = ServerHarness()
        #expect(h.request(RTSPMethod("FOO"), Self.door)?.status.code == 501)
        #expect(h.request(.redirect, Self.door)?.status.code == 405)
        #expect(h.request(.redirect, Self.door)?.headers["Allow"] != nil)
        h.session.handle(RTSPRequest(method: .options, uri: "*"), now: h.now)  // no CSeq
        h.drain()
        #expect(h.responses.last?.status.code == 400)
        h.session.handle(RTSPRequest(method: .options, uri: "*", version: "RTSP/2.0", headers: ["CSeq": "1"]), now: h.now)
        h.drain()
        #expect(h.responses.last?.status.code == 505)
        h.request(.describe, "rtsp://127.0.0.1:8554/missing")
        #expect(h.resolve(nil)?.status.code == 404)
        h.request(.describe, "rtsp://127.0.0.1:8554/empty")
        #expect(h.resolve(RTSPPathInfo())?.status.code == 404)
        h.request(.describe, Self.door)
        h.resolve(RTSPPathInfo(description: ServerFixtures.pathSDP))
        #expect(h.request(.setup, Self.door + "/trackID=0",
                          [("Transport", "RTP/AVP;multicast;destination=224.2.0.1;port=3456-3457")])?.status.code == 461)
        #expect(h.request(.setup, Self.door + "/trackID=0", [("Transport", "RTP/AVP/SCTP")])?.status.code == 461)
        #expect(h.request(.setup, Self.door + "/trackID=7", [("Transport", "RTP/AVP/TCP;interleaved=0-1")])?.status.code == 404)
        // UDP ports that cannot be bound: 461, so clients retry with TCP.
        h.request(.setup, Self.door + "/trackID=0", [("Transport", "RTP/AVP;unicast;client_port=5000-5001")])
        guard case .needServerPorts(let id, _, _, _, _) = h.lastEvent else { Issue.record("no port request"); return }
        h.session.rejectTransport(id, now: h.now)
        h.drain()
        #expect(h.responses.last?.status.code == 461)
        let setupAnswer = h.request(.setup, Self.door + "/trackID=0", [("Transport", "RTP/AVP/TCP;interleaved=0-1")])
        let setup = try #require(setupAnswer)
        h.rememberSession(setup)
        #expect(h.request(.record, Self.door)?.status.code == 455)
        // Another path in the same session: aggregate operation not allowed.
        h.request(.describe, "rtsp://127.0.0.1:8554/other")
        h.resolve(RTSPPathInfo(description: ServerFixtures.pathSDP))
        #expect(h.request(.setup, "rtsp://127.0.0.1:8554/other/trackID=0",
                          [("Transport", "RTP/AVP/TCP;interleaved=4-5")])?.status.code == 459)
    }

    @Test func requestsArrivingDuringALookupAreQueuedInOrder() throws {
        var h = ServerHarness()
        h.request(.describe, Self.door)
        h.request(.options, "*")
        h.request(.getParameter, Self.door, withSession: false)
        #expect(h.responses.isEmpty)
        h.resolve(RTSPPathInfo(description: ServerFixtures.pathSDP))
        #expect(h.responses.map(\.cseq) == [1, 2, 3])
        #expect(h.responses.map(\.status.code) == [200, 200, 200])
        // The queue is bounded.
        h.request(.describe, "rtsp://127.0.0.1:8554/slow")
        for _ in 0..<9 { h.request(.options, "*") }
        #expect(h.responses.suffix(1).map(\.status.code) == [503])
        #expect(h.responses.count == 4)
    }

    /// SETUP without DESCRIBE (some NVRs remember control URLs): the path is looked up on SETUP.
    @Test func setupWithoutDescribe() throws {
        var h = ServerHarness()
        h.request(.setup, Self.door + "/trackID=1", [("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1")])
        #expect(h.lastEvent == .lookup(RTSPQueryID(rawValue: 1), path: "door", access: .read))
        #expect(h.resolve(RTSPPathInfo(description: ServerFixtures.pathSDP))?.status.code == 200)
    }
}

/// VLC 3 (live555) requests as bytes through the stream parser into the server session.
@Suite struct RTSPServerTranscriptTests {
    @Test func vlcTranscript() throws {
        let ua = "User-Agent: LibVLC/3.0.18 (LIVE555 Streaming Media v2016.11.28)\r\n"
        let requests = "OPTIONS rtsp://127.0.0.1:8554/door RTSP/1.0\r\nCSeq: 2\r\n\(ua)\r\n"
            + "DESCRIBE rtsp://127.0.0.1:8554/door RTSP/1.0\r\nCSeq: 3\r\n\(ua)Accept: application/sdp\r\n\r\n"
            + "SETUP rtsp://127.0.0.1:8554/door/trackID=0 RTSP/1.0\r\nCSeq: 4\r\n\(ua)"
            + "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n"
        var parser = RTSPStreamParser()
        try parser.feed(Array(requests.utf8))
        var h = ServerHarness()
        while let item = try parser.next() {
            guard case .request(let request) = item else { continue }
            h.session.handle(request, now: h.now)
            h.drain()
        }
        // OPTIONS answered at once; DESCRIBE waits for the lookup, SETUP is queued behind it.
        #expect(h.responses.map(\.cseq) == [2])
        h.resolve(RTSPPathInfo(description: ServerFixtures.pathSDP))
        #expect(h.responses.map(\.cseq) == [2, 3, 4])
        #expect(h.responses.map(\.status.code) == [200, 200, 200])
        let wire = String(decoding: h.responses[2].serialized(), as: UTF8.self)
        #expect(wire.hasPrefix("RTSP/1.0 200 OK\r\nCSeq: 4\r\nServer: RTCBridge\r\n"
            + "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nSession: "))
        #expect(wire.hasSuffix(";timeout=60\r\n\r\n"))
    }
}
