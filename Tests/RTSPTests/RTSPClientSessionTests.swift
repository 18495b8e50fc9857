import RTCBase
import RTSP
import SDP
import Testing

@Suite struct RTSPClientSessionTests {
    static let cameraURL = "rtsp://admin:secret@192.168.1.64:554/Streaming/Channels/101"

    /// OPTIONS → DESCRIBE → 401 → DESCRIBE with Digest (checked by our own verifier) → SDP.
    static func describeWithDigest(_ h: inout ClientHarness, algorithm: RTSPDigestAlgorithm,
                                   publicMethods: String = "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER") {
        h.start()
        #expect(h.last.method == .options)
        #expect(h.last.uri == "rtsp://192.168.1.64:554/Streaming/Channels/101")
        #expect(h.last.headers["User-Agent"] == "RTCBridge")
        h.reply(200, [("Public", publicMethods)])
        #expect(h.last.method == .describe)
        #expect(h.last.headers["Accept"] == "application/sdp")
        #expect(h.last.headers["Authorization"] == nil)
        var verifier = RTSPAuthVerifier(nonces: RTSPNonceIssuer(secret: [UInt8](repeating: 9, count: 32)))
        let policy = RTSPAuthPolicy(realm: "IP Camera(C2035)", users: [RTSPCredentials(username: "admin", password: "secret")],
                                    digestAlgorithms: [algorithm])
        h.reply(401, verifier.challenges(for: policy, now: h.now).map { ("WWW-Authenticate", $0) })
        #expect(h.last.method == .describe)
        #expect(verifier.verify(h.last, policy: policy, now: h.now) == .authorized(username: "admin"))
        h.reply(200, [("Content-Type", "application/sdp"),
                      ("Content-Base", "rtsp://192.168.1.64:554/Streaming/Channels/101/")],
                body: CameraFixtures.hikvisionSDP)
    }

    @Test func fullUDPFlowWithDigestMD5KeepaliveAndTeardown() throws {
        var h = ClientHarness(Self.cameraURL)
        Self.describeWithDigest(&h, algorithm: .md5)
        // Two tracks (metadata skipped), absolute control URLs.
        guard case .described(let sdp, let tracks) = h.events.first else { Issue.record("no description"); return }
        #expect(sdp.media.count == 3)
        #expect(tracks.map(\.controlURL.absoluteString) == [
            "rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1",
            "rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=2",
        ])
        #expect(tracks[0].media.fmtp(96)["sprop-parameter-sets"] == "Z00AKpY1QPAET8s3AQEBAgAAAAE=,aO48gAAAAAE=")
        #expect(h.lastEvent == .needUDPPorts(track: 0))
        let sentBefore = h.sent.count
        h.session.providePorts(track: 0, rtp: 50_000, rtcp: 50_001, now: h.now)
        h.drain()
        #expect(h.sent.count == sentBefore + 1)
        #expect(h.last.method == .setup)
        #expect(h.last.uri == "rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1")
        #expect(h.last.headers["Transport"] == "RTP/AVP;unicast;client_port=50000-50001")
        #expect(h.last.headers["Authorization"]?.contains("nc=00000002") == true)  // second use of the nonce
        #expect(h.last.headers["Session"] == nil)
        h.reply(200, [("Session", "1273222592;timeout=60"),
                      ("Transport", "RTP/AVP;unicast;client_port=50000-50001;server_port=8218-8219;ssrc=2fa07e58;mode=\"play\"")])
        #expect(h.lastEvent == .needUDPPorts(track: 1))
        h.session.providePorts(track: 1, rtp: 50_002, rtcp: 50_003, now: h.now)
        h.drain()
        #expect(h.last.headers["Session"] == "1273222592")
        h.reply(200, [("Session", "1273222592;timeout=60"),
                      ("Transport", "RTP/AVP;unicast;client_port=50002-50003;server_port=8220-8221;ssrc=00001234")])
        #expect(h.last.method == .play)
        #expect(h.last.uri == "rtsp://192.168.1.64:554/Streaming/Channels/101/")
        #expect(h.last.headers["Range"] == "npt=0.000-")
        h.reply(200, [("Session", "1273222592"), ("Range", "npt=now-"), ("RTP-Info",
            "url=rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1;seq=37443;rtptime=3212812345,"
            + "url=rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=2;seq=6133;rtptime=4034004466")])
        guard case .playing(let playback) = h.lastEvent else { Issue.record("not playing"); return }
        #expect(playback.sessionID == "1273222592")
        #expect(playback.range == .npt(start: .now, end: nil))
        #expect(playback.tracks.map(\.transport) == [
            .udp(clientRTP: 50_000, clientRTCP: 50_001, serverRTP: 8218, serverRTCP: 8219, source: nil),
            .udp(clientRTP: 50_002, clientRTCP: 50_003, serverRTP: 8220, serverRTCP: 8221, source: nil),
        ])
        #expect(playback.tracks.map(\.ssrc) == [0x2FA0_7E58, 0x1234])
        #expect(playback.tracks.map { $0.rtpInfo?.sequenceNumber } == [37443, 6133])
        #expect(playback.tracks[1].rtpInfo?.rtpTimestamp == 4_034_004_466)

        // Keepalive at half the 60 s timeout, on virtual time.
        let playedAt = h.now
        #expect(h.deadline == playedAt + .seconds(30))
        let count = h.sent.count
        h.advance(to: playedAt + .seconds(29))
        #expect(h.sent.count == count)
        h.advance(to: playedAt + .seconds(30))
        #expect(h.last.method == .getParameter)
        #expect(h.last.headers["Session"] == "1273222592")
        #expect(h.last.headers["Authorization"] != nil)
        h.reply(200)
        #expect(h.deadline == playedAt + .seconds(60))
        h.advance(to: playedAt + .seconds(60))
        #expect(h.last.method == .getParameter)
        h.reply(200)

        h.session.close(now: h.now)
        h.drain()
        #expect(h.last.method == .teardown)
        #expect(h.last.headers["Session"] == "1273222592")
        h.reply(200)
        #expect(h.lastEvent == .closed)
        #expect(h.deadline == .distantFuture)
        #expect(h.failure == nil)
    }

    @Test func tcpInterleavedWithDigestSHA256AndChannelRouting() throws {
        var h = ClientHarness(Self.cameraURL, transport: .tcp)
        Self.describeWithDigest(&h, algorithm: .sha256)
        #expect(h.last.method == .setup)
        #expect(h.last.headers["Transport"] == "RTP/AVP/TCP;unicast;interleaved=0-1")
        #expect(h.last.headers["Authorization"]?.contains("algorithm=SHA-256") == true)
        h.reply(200, [("Session", "ABCD"), ("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1")])
        #expect(h.last.headers["Transport"] == "RTP/AVP/TCP;unicast;interleaved=2-3")
        // The server may pick other channels: its answer wins.
        h.reply(200, [("Session", "ABCD"), ("Transport", "RTP/AVP/TCP;unicast;interleaved=6-7")])
        h.reply(200, [("Session", "ABCD")])
        guard case .playing(let playback) = h.lastEvent else { Issue.record("not playing"); return }
        #expect(playback.tracks.map(\.transport) == [.interleaved(rtp: 0, rtcp: 1), .interleaved(rtp: 6, rtcp: 7)])
        // Default keepalive with the RFC 2326 60 s default timeout.
        #expect(h.deadline == h.now + .seconds(30))
        h.events.removeAll()
        for (channel, payload) in [(UInt8(0), [UInt8(0x80)]), (1, [0x81]), (6, [0x80, 1]), (7, [0x81, 2]), (9, [0]), (2, [0])] {
            h.session.handle(.interleaved(channel: channel, payload: payload), now: h.now)
        }
        h.drain()
        #expect(h.events == [.rtp(track: 0, payload: [0x80]), .rtcp(track: 0, payload: [0x81]),
                             .rtp(track: 1, payload: [0x80, 1]), .rtcp(track: 1, payload: [0x81, 2])])
        #expect(h.session.ignoredInterleavedFrames == 2)
        #expect(h.session.route(channel: 7)! == (1, true))
    }

    @Test func staleNonceIsRetriedOnceWithTheNewNonce() throws {
        var h = ClientHarness(Self.cameraURL)
        h.start()
        h.reply(200)
        h.reply(401, [("WWW-Authenticate", "Digest realm=\"cam\", nonce=\"n1\", qop=\"auth\"")])
        #expect(h.last.headers["Authorization"]?.contains("nonce=\"n1\"") == true)
        #expect(h.last.headers["Authorization"]?.contains("nc=00000001") == true)
        h.reply(401, [("WWW-Authenticate", "Digest realm=\"cam\", nonce=\"n2\", qop=\"auth\", stale=TRUE")])
        #expect(h.last.method == .describe)
        #expect(h.last.headers["Authorization"]?.contains("nonce=\"n2\"") == true)
        #expect(h.failure == nil)
        // A second stale answer for the same request is not retried again.
        h.reply(401, [("WWW-Authenticate", "Digest realm=\"cam\", nonce=\"n3\", qop=\"auth\", stale=TRUE")])
        #expect(h.failure == .authenticationFailed)
    }

    @Test func wrongPasswordFailsClearly() {
        var h = ClientHarness("rtsp://admin:wrong@192.168.1.64/stream1")
        h.start()
        h.reply(200)
        h.reply(401, [("WWW-Authenticate", "Basic realm=\"cam\"")])
        #expect(h.last.headers["Authorization"] == "Basic YWRtaW46d3Jvbmc=")
        h.reply(401, [("WWW-Authenticate", "Basic realm=\"cam\"")])
        #expect(h.failure == .authenticationFailed)
        #expect(h.failure?.description == "authentication failed (wrong user or password)")
        #expect(h.deadline == .distantFuture)
        let count = h.sent.count
        h.reply(200)  // late input is ignored
        #expect(h.sent.count == count)
    }

    @Test func missingCredentialsAndUnsupportedScheme() {
        var h = ClientHarness("rtsp://192.168.1.64/stream1")
        h.start()
        h.reply(401, [("WWW-Authenticate", "Basic realm=\"cam\"")])  // even OPTIONS may need auth
        #expect(h.failure == .authenticationRequired)
        var other = ClientHarness("rtsp://a:b@192.168.1.64/stream1")
        other.start()
        other.reply(401, [("WWW-Authenticate", "Negotiate abc")])
        #expect(other.failure == .unsupportedAuthentication)
    }

    @Test func notFoundErrorIsRedacted() {
        var h = ClientHarness(Self.cameraURL)
        h.start()
        h.reply(200)
        h.reply(404)
        #expect(h.failure == .notFound(url: "rtsp://192.168.1.64:554/Streaming/Channels/101"))
        #expect(h.failure?.description.contains("secret") == false)
    }

    @Test func redirectsAreFollowedAndCredentialsStayOnTheirHost() throws {
        var h = ClientHarness("rtsp://admin:secret@cam.example/live")
        h.start()
        h.reply(200)
        h.reply(302, [("Location", "rtsp://cam.example:8554/live2")])
        guard case .reconnect(let target) = h.lastEvent else { Issue.record("no reconnect"); return }
        #expect(target.absoluteString == "rtsp://cam.example:8554/live2")
        #expect(target.effectivePort == 8554)
        h.session.connectionClosed(now: h.now)  // the runtime closes the old connection: not a failure
        h.start()
        #expect(h.last.method == .options && h.last.uri == "rtsp://cam.example:8554/live2")
        h.reply(200)
        h.reply(401, [("WWW-Authenticate", "Basic realm=\"cam\"")])
        #expect(h.last.headers["Authorization"] != nil)  // same host: credentials kept
        // Another host: the password is not sent there.
        h.reply(301, [("Location", "rtsp://elsewhere.example/live")])
        h.start()
        h.reply(200)
        h.reply(401, [("WWW-Authenticate", "Basic realm=\"cam\"")])
        #expect(h.failure == .authenticationRequired)
    }

    @Test func atMostThreeRedirects() {
        var h = ClientHarness("rtsp://cam.example/live")
        h.start()
        for hop in 1...4 {
            h.reply(302, [("Location", "/hop\(hop)")])
            if hop <= 3 {
                #expect(h.lastEvent == .reconnect(RTSPURL(string: "rtsp://cam.example/hop\(hop)")!))
                h.start()
            }
        }
        #expect(h.failure == .tooManyRedirects)
    }

    static func describeLive555(_ h: inout ClientHarness, publicMethods: String = "OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE") {
        h.start()
        h.reply(200, [("Public", publicMethods)])
        h.reply(200, [("Content-Base", "rtsp://10.0.0.7:8554/cam/"), ("Content-Type", "application/sdp")],
                body: CameraFixtures.live555SDP)
    }

    @Test func unsupportedTransportFallsBackToTCPWhenAutomatic() {
        var h = ClientHarness("rtsp://10.0.0.7:8554/cam")
        Self.describeLive555(&h)
        guard case .described(_, let tracks) = h.events.first else { Issue.record("no description"); return }
        #expect(tracks.map(\.controlURL.absoluteString) == ["rtsp://10.0.0.7:8554/cam/track1"])
        h.session.providePorts(track: 0, rtp: 40_000, rtcp: 40_001, now: h.now)
        h.drain()
        h.reply(461)
        #expect(h.last.method == .setup)
        #expect(h.last.headers["Transport"] == "RTP/AVP/TCP;unicast;interleaved=0-1")
        #expect(h.session.usesTCP)
        h.reply(200, [("Session", "S1;timeout=30"), ("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1")])
        #expect(h.last.uri == "rtsp://10.0.0.7:8554/cam/")  // aggregate control `*` = base
        h.reply(200, [("Session", "S1")])
        guard case .playing = h.lastEvent else { Issue.record("not playing"); return }
        #expect(h.deadline == h.now + .seconds(15))

        var udpOnly = ClientHarness("rtsp://10.0.0.7:8554/cam", transport: .udp)
        Self.describeLive555(&udpOnly)
        udpOnly.session.providePorts(track: 0, rtp: 40_000, rtcp: 40_001, now: udpOnly.now)
        udpOnly.drain()
        udpOnly.reply(461)
        #expect(udpOnly.failure == .unsupportedTransport)
    }

    @Test func noUDPMediaRestartsOverTCP() {
        var h = ClientHarness("rtsp://10.0.0.7:8554/cam")
        Self.describeLive555(&h)
        h.session.providePorts(track: 0, rtp: 40_000, rtcp: 40_001, now: h.now)
        h.drain()
        h.reply(200, [("Session", "S1"), ("Transport", "RTP/AVP;unicast;client_port=40000-40001;server_port=6970-6971")])
        h.reply(200, [("Session", "S1")])
        h.clock.advance(by: .seconds(5))
        h.session.reportNoUDPMedia(now: h.now)
        h.drain()
        #expect(h.sent.suffix(1).map(\.method) == [.teardown])
        #expect(h.last.headers["Session"] == "S1")
        #expect(h.lastEvent == .reconnect(RTSPURL(string: "rtsp://10.0.0.7:8554/cam")!))
        h.session.connectionClosed(now: h.now)
        h.events.removeAll()
        Self.describeLive555(&h)
        #expect(h.last.method == .setup)
        #expect(h.last.headers["Transport"] == "RTP/AVP/TCP;unicast;interleaved=0-1")
        #expect(!h.events.contains(.needUDPPorts(track: 0)))

        // UDP only: the same report is a clear failure.
        var udpOnly = ClientHarness("rtsp://10.0.0.7:8554/cam", transport: .udp)
        Self.describeLive555(&udpOnly)
        udpOnly.session.providePorts(track: 0, rtp: 40_000, rtcp: 40_001, now: udpOnly.now)
        udpOnly.drain()
        udpOnly.reply(200, [("Session", "S1")])
        udpOnly.reply(200, [("Session", "S1")])
        udpOnly.session.reportNoUDPMedia(now: udpOnly.now)
        udpOnly.drain()
        #expect(udpOnly.failure == .noMedia)
    }

    @Test func keepaliveUsesOptionsWithoutGetParameter() {
        var h = ClientHarness("rtsp://10.0.0.7:8554/cam", transport: .tcp)
        Self.describeLive555(&h)
        h.reply(200, [("Session", "S1;timeout=20")])
        h.reply(200, [("Session", "S1")])
        h.advance(to: h.now + .seconds(10))
        #expect(h.last.method == .options)
        #expect(h.last.headers["Session"] == "S1")
    }

    @Test func responseTimeoutFails() {
        var h = ClientHarness("rtsp://10.0.0.7:8554/cam")
        h.start()
        h.reply(200)
        #expect(h.deadline == h.now + .seconds(10))
        h.advance(to: h.now + .seconds(10))
        #expect(h.failure == .timeout(method: "DESCRIBE"))
        #expect(h.failure?.description == "no answer to DESCRIBE in time")
    }

    @Test func unknownCSeqIsIgnoredAndCounted() {
        var h = ClientHarness("rtsp://10.0.0.7:8554/cam")
        h.start()
        for cseq in ["999", "abc", "-1"] {
            h.session.handle(.response(RTSPResponse(status: .ok, headers: ["CSeq": cseq])), now: h.now)
        }
        h.session.handle(.response(RTSPResponse(status: .ok)), now: h.now)
        h.drain()
        #expect(h.session.ignoredResponses == 4)
        #expect(h.last.method == .options)
        h.reply(200)
        #expect(h.last.method == .describe)
    }

    @Test func serverRequestsAreAnswered() {
        var h = ClientHarness("rtsp://10.0.0.7:8554/cam")
        h.start()
        h.session.handle(.request(RTSPRequest(method: .options, uri: "*", headers: ["CSeq": "77"])), now: h.now)
        h.session.handle(.request(RTSPRequest(method: .announce, uri: "rtsp://x/", headers: ["CSeq": "78"])), now: h.now)
        h.drain()
        #expect(h.responses.map(\.status.code) == [200, 501])
        #expect(h.responses.map(\.cseq) == [77, 78])
    }

    @Test func brokenDescriptionsFailCleanly() {
        var h = ClientHarness("rtsp://10.0.0.7:8554/cam")
        h.start()
        h.reply(200)
        h.reply(200, [("Content-Type", "application/sdp")], body: "this is not sdp")
        if case .invalidDescription = h.failure {} else { Issue.record("expected invalid description") }
        var noTracks = ClientHarness("rtsp://10.0.0.7:8554/cam")
        noTracks.start()
        noTracks.reply(200)
        noTracks.reply(200, body: "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=x\r\nt=0 0\r\nm=application 0 RTP/AVP 107\r\n")
        #expect(noTracks.failure == .noTracks)
        var noSession = ClientHarness("rtsp://10.0.0.7:8554/cam", transport: .tcp)
        Self.describeLive555(&noSession)
        noSession.reply(200)
        if case .invalidResponse = noSession.failure {} else { Issue.record("expected invalid response") }
    }

    @Test func connectionLossAndParserErrorsFail() {
        var h = ClientHarness("rtsp://10.0.0.7:8554/cam")
        h.start()
        h.session.connectionClosed(now: h.now)
        h.drain()
        #expect(h.failure == .connectionClosed)
        var p = ClientHarness("rtsp://10.0.0.7:8554/cam")
        p.start()
        p.session.connectionClosed(now: p.now, error: RTSPParseError(.tooManyHeaders, "more than 64 header lines"))
        p.drain()
        #expect(p.failure == .protocolViolation("more than 64 header lines"))
    }

    /// A hostile camera over TCP: garbage between frames and wrong channel ids go through the
    /// parser into the session; valid frames still arrive, the rest is counted.
    @Test func hostileInterleavedStream() throws {
        var h = ClientHarness("rtsp://10.0.0.7:8554/cam", transport: .tcp)
        Self.describeLive555(&h)
        h.reply(200, [("Session", "S1"), ("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1")])
        h.reply(200, [("Session", "S1")])
        h.events.removeAll()
        var bytes: [UInt8] = []
        for i in 0..<50 {
            bytes += RTSP.interleavedFrame(channel: UInt8(i % 4), payload: [UInt8(i)]) ?? []
            bytes += [0x00, 0x13, 0x37, 0xFE]  // garbage
        }
        var parser = RTSPStreamParser()
        var offset = 0
        while offset < bytes.count {
            try parser.feed(bytes[offset..<min(bytes.count, offset + 7)])
            offset += 7
            while let item = try parser.next() { h.session.handle(item, now: h.now) }
            #expect(parser.bufferedByteCount < 16)
        }
        h.drain()
        #expect(h.events.count == 26)  // channels 0 and 1
        #expect(h.session.ignoredInterleavedFrames == 24)  // channels 2 and 3
        #expect(parser.skippedBytes == 200)
        #expect(h.failure == nil)
    }

    @Test func unsupportedTransportOnALaterTrackRestartsOverTCP() {
        var h = ClientHarness(Self.cameraURL)
        h.start()
        h.reply(200)
        h.reply(200, [("Content-Base", "rtsp://192.168.1.64:554/Streaming/Channels/101/")], body: CameraFixtures.hikvisionSDP)
        h.session.providePorts(track: 0, rtp: 50_000, rtcp: 50_001, now: h.now)
        h.drain()
        h.reply(200, [("Session", "77")])
        h.session.providePorts(track: 1, rtp: 50_002, rtcp: 50_003, now: h.now)
        h.drain()
        h.reply(461)
        #expect(h.last.method == .teardown && h.last.headers["Session"] == "77")
        guard case .reconnect = h.lastEvent else { Issue.record("no reconnect"); return }
        h.start()
        h.reply(200)
        h.reply(200, [("Content-Base", "rtsp://192.168.1.64:554/Streaming/Channels/101/")], body: CameraFixtures.hikvisionSDP)
        #expect(h.last.headers["Transport"] == "RTP/AVP/TCP;unicast;interleaved=0-1")
        #expect(h.last.headers["Session"] == nil)
    }

    @Test func digestSessionAlgorithmIsAnswered() throws {
        var h = ClientHarness(Self.cameraURL)
        h.start()
        h.reply(401, [("WWW-Authenticate", "Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess, qop=\"auth\"")])
        let header = try #require(h.last.headers["Authorization"])
        #expect(header.contains("algorithm=MD5-sess"))
        #expect(header.contains("cnonce=\""))
        #expect(h.last.method == .options)
    }
}
