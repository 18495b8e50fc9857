import RTSP
import Testing

@Suite struct RTSPHeaderTests {
    /// RFC 2326 §12.39 examples and real answers (GStreamer rtsp-server, live555, Hikvision).
    @Test func transportParsing() throws {
        let udp = try RTSPTransport(parsing: "RTP/AVP;unicast;client_port=4588-4589")
        #expect(udp.lowerTransport == .udp && udp.delivery == .unicast && udp.clientPort == .init(4588, 4589))
        #expect(udp.headerValue == "RTP/AVP;unicast;client_port=4588-4589")

        let gst = try RTSPTransport(parsing:
            "RTP/AVP;unicast;client_port=5000-5001;server_port=43210-43211;ssrc=1A2B3C4D;mode=\"PLAY\"")
        #expect(gst.serverPort == .init(43210, 43211))
        #expect(gst.ssrc == 0x1A2B_3C4D)
        #expect(gst.mode == "PLAY")
        #expect(gst.headerValue == "RTP/AVP;unicast;client_port=5000-5001;server_port=43210-43211;ssrc=1A2B3C4D;mode=PLAY")

        let tcp = try RTSPTransport(parsing: "RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=5B2E;mode=record")
        #expect(tcp.lowerTransport == .tcp && tcp.interleaved == .init(0, 1) && tcp.ssrc == 0x5B2E && tcp.mode == "RECORD")

        let multicast = try RTSPTransport(parsing: "RTP/AVP;multicast;destination=224.2.0.1;port=3456-3457;ttl=16;source=10.0.0.1")
        #expect(multicast.delivery == .multicast && multicast.ttl == 16 && multicast.port == .init(3456, 3457))
        #expect(multicast.destination == "224.2.0.1" && multicast.source == "10.0.0.1")

        let explicitUDP = try RTSPTransport(parsing: "RTP/AVP/UDP;unicast;client_port=3456-3457;x-dynamic-rate=1")
        #expect(explicitUDP.headerValue == "RTP/AVP/UDP;unicast;client_port=3456-3457;x-dynamic-rate=1")

        // ffmpeg's SETUP offers a list; `append` is a flag.
        let list = try RTSPTransport.parseList("RTP/AVP/UDP;unicast;client_port=5000-5001, RTP/AVP/TCP;interleaved=0-1;append")
        #expect(list.count == 2 && list[1].lowerTransport == .tcp && list[1].append)
    }

    @Test(arguments: ["", "RTP", "RTP/AVP/SCTP", "RTP/AVP;client_port=abc", "RTP/AVP;client_port=70000",
                      "RTP/AVP/TCP;interleaved=300-301", "RTP/AVP;ssrc=123456789", "RTP/AVP;ttl=999"])
    func malformedTransport(_ text: String) {
        #expect(throws: RTSPHeaderError.self) { try RTSPTransport.parseList(text) }
    }

    /// Found by FuzzRTSP: a blank inside the quotes of `mode` was kept, written unquoted and lost
    /// when parsed again.
    @Test func transportModeWithABlankInsideItsQuotesRoundTrips() throws {
        let transport = try RTSPTransport(parsing: "RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=11223344;mode=\"pla\t\"")
        #expect(transport.mode == "PLA")
        let again = try RTSPTransport.parseList(transport.headerValue)
        #expect(again == [transport])
    }

    @Test func sessionHeader() throws {
        let session = try RTSPSessionHeader(parsing: "47112344;timeout=60")
        #expect(session == RTSPSessionHeader(id: "47112344", timeout: 60))
        #expect(session.headerValue == "47112344;timeout=60")
        #expect(try RTSPSessionHeader(parsing: " 9A3F ").timeout == nil)
        #expect(throws: RTSPHeaderError.self) { try RTSPSessionHeader(parsing: "") }
        #expect(throws: RTSPHeaderError.self) { try RTSPSessionHeader(parsing: "abc;timeout=-5") }
        #expect(throws: RTSPHeaderError.self) { try RTSPSessionHeader(parsing: String(repeating: "a", count: 257)) }
    }

    /// RFC 2326 §12.33 example, plus a URL whose query holds a comma.
    @Test func rtpInfo() {
        let entries = RTPInfoEntry.parseList(
            "url=rtsp://foo.com/bar.avi/streamid=0;seq=45102,url=rtsp://foo.com/bar.avi/streamid=1;seq=30211")
        #expect(entries == [
            RTPInfoEntry(url: "rtsp://foo.com/bar.avi/streamid=0", sequenceNumber: 45102),
            RTPInfoEntry(url: "rtsp://foo.com/bar.avi/streamid=1", sequenceNumber: 30211),
        ])
        let comma = RTPInfoEntry.parseList("url=rtsp://h/a?x=1,2/trackID=0;seq=1;rtptime=4294967295, url=trackID=1;seq=2")
        #expect(comma.map(\.url) == ["rtsp://h/a?x=1,2/trackID=0", "trackID=1"])
        #expect(comma.first?.rtpTimestamp == 4_294_967_295)
        #expect(RTPInfoEntry.listValue(entries)
            == "url=rtsp://foo.com/bar.avi/streamid=0;seq=45102,url=rtsp://foo.com/bar.avi/streamid=1;seq=30211")
    }

    @Test func range() throws {
        #expect(try RTSPRange(parsing: "npt=0-") == .npt(start: .seconds(0), end: nil))
        #expect(try RTSPRange(parsing: "npt=now-") == .npt(start: .now, end: nil))
        #expect(try RTSPRange(parsing: "npt=0.000-10.5") == .npt(start: .seconds(0), end: .seconds(10.5)))
        #expect(try RTSPRange(parsing: "npt=1:02:03.5-") == .npt(start: .seconds(3723.5), end: nil))
        #expect(try RTSPRange(parsing: "clock=19961108T142300Z-") == .other("clock=19961108T142300Z-"))
        #expect(RTSPRange.fromStart.headerValue == "npt=0.000-")
        #expect(RTSPRange.npt(start: .seconds(0.9999), end: .seconds(12.25)).headerValue == "npt=1.000-12.250")
        #expect(throws: RTSPHeaderError.self) { try RTSPRange(parsing: "npt=abc-") }
        #expect(throws: RTSPHeaderError.self) { try RTSPRange(parsing: "npt=1e300-") }
    }

    // MARK: - URLs

    @Test func urlParsing() throws {
        let url = try #require(RTSPURL(string: "rtsp://ad%40min:p%3Ass@camera.example:8554/Streaming/Channels/101?transportmode=unicast"))
        #expect(url.user == "ad@min" && url.password == "p:ss")
        #expect(url.host == "camera.example" && url.effectivePort == 8554)
        #expect(url.path == "/Streaming/Channels/101" && url.query == "transportmode=unicast")
        #expect(url.absoluteString == "rtsp://camera.example:8554/Streaming/Channels/101?transportmode=unicast")
        #expect(RTSPURL(string: "rtsp://10.0.0.2")?.effectivePort == 554)
        #expect(RTSPURL(string: "RTSP://[fe80::1]:10554/x")?.host == "fe80::1")
        #expect(RTSPURL(string: "RTSP://[fe80::1]:10554/x")?.absoluteString == "rtsp://[fe80::1]:10554/x")
        for bad in ["http://x/", "rtsp:/x", "rtsp://", "rtsp://h:99999/", "rtsp://h:12a/", "rtsp://u:%zz@h/"] {
            #expect(RTSPURL(string: bad) == nil, "\(bad)")
        }
    }

    @Test func redactionNeverShowsThePassword() throws {
        let url = try #require(RTSPURL(string: "rtsp://admin:s3cr%21t@camera.example/stream1"))
        #expect(url.redacted == "rtsp://admin:***@camera.example/stream1")
        #expect("\(url)" == "rtsp://admin:***@camera.example/stream1")
        #expect(!String(describing: url).contains("s3cr"))
        #expect(RTSPCredentials(username: "admin", password: "s3cr!t").description == "admin:***")
        #expect(RTSPURL(string: "rtsp://h/x")?.redacted == "rtsp://h/x")
    }

    @Test func controlURLResolution() throws {
        let request = try #require(RTSPURL(string: "rtsp://admin:pw@192.168.1.64:554/Streaming/Channels/101"))
        // Content-Base first, then Content-Location, then the request URL; credentials stripped.
        let base = RTSPURL.controlBase(contentBase: "rtsp://192.168.1.64:554/Streaming/Channels/101/",
                                       contentLocation: "rtsp://other/", requestURL: request)
        #expect(base.absoluteString == "rtsp://192.168.1.64:554/Streaming/Channels/101/")
        #expect(base.resolving("trackID=1")?.absoluteString == "rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1")
        let location = RTSPURL.controlBase(contentBase: nil, contentLocation: "rtsp://h2/loc/", requestURL: request)
        #expect(location.absoluteString == "rtsp://h2/loc/")
        let fallback = RTSPURL.controlBase(contentBase: nil, contentLocation: nil, requestURL: request)
        #expect(fallback.absoluteString == "rtsp://192.168.1.64:554/Streaming/Channels/101")
        #expect(fallback.user == nil && fallback.password == nil)
        // Relative without trailing slash: appended after "/" (ffmpeg/live555 behaviour).
        #expect(fallback.resolving("trackID=0")?.absoluteString == "rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=0")
        // Absolute control, `*`, absolute path.
        #expect(fallback.resolving("rtsp://u:p@10.0.0.9/a/b")?.absoluteString == "rtsp://10.0.0.9/a/b")
        #expect(fallback.resolving("rtsp://u:p@10.0.0.9/a/b")?.password == nil)
        #expect(fallback.resolving("*")?.absoluteString == fallback.absoluteString)
        #expect(fallback.resolving("/x/y?z=1")?.absoluteString == "rtsp://192.168.1.64:554/x/y?z=1")
        // Dahua-style base with a query.
        let dahua = try #require(RTSPURL(string: "rtsp://10.0.0.5:554/cam/realmonitor?channel=1&subtype=0/"))
        #expect(dahua.resolving("trackID=0")?.absoluteString == "rtsp://10.0.0.5:554/cam/realmonitor?channel=1&subtype=0/trackID=0")
        #expect(fallback.resolving("http://x/y") == nil)
    }
}
