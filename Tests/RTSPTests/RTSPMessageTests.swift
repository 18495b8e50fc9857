import RTSP
import Testing

@Suite struct RTSPMessageTests {
    @Test func versionString() { #expect(RTSP.version == "RTSP/1.0") }

    @Test func requestSerialization() {
        var headers = RTSPHeaders()
        headers.add("CSeq", "2")
        headers.add("Accept", "application/sdp")
        let request = RTSPRequest(method: .describe, uri: "rtsp://server.example.com/fizzle/foo", headers: headers)
        #expect(String(decoding: request.serialized(), as: UTF8.self)
            == "DESCRIBE rtsp://server.example.com/fizzle/foo RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp\r\n\r\n")
    }

    @Test func responseSerializationSetsContentLength() {
        let response = RTSPResponse(status: .ok, headers: ["CSeq": "3", "Content-Length": "999"], body: Array("v=0\r\n".utf8))
        #expect(String(decoding: response.serialized(), as: UTF8.self)
            == "RTSP/1.0 200 OK\r\nCSeq: 3\r\nContent-Length: 5\r\n\r\nv=0\r\n")
    }

    @Test func headersAreCaseInsensitiveOrderedMultimap() {
        var headers = RTSPHeaders()
        headers.add("WWW-Authenticate", "Digest realm=\"a\", nonce=\"b\"")
        headers.add("CSeq", "1")
        headers.add("www-authenticate", "Basic realm=\"a\"")
        #expect(headers["Www-Authenticate"] == "Digest realm=\"a\", nonce=\"b\"")
        #expect(headers.values(named: "WWW-AUTHENTICATE").count == 2)
        headers["cseq"] = "7"
        #expect(headers.fields.map(\.name) == ["WWW-Authenticate", "cseq", "www-authenticate"])
        headers.remove("www-authenticate")
        #expect(headers.count == 1)
        #expect(headers["CSEQ"] == "7")
    }

    /// RFC 2326 §14.1 (media on demand, unicast), the DESCRIBE answer as the RFC prints it.
    @Test func rfc2326DescribeExchangeRoundTrips() throws {
        let text = "DESCRIBE rtsp://foo/twister RTSP/1.0\r\nCSeq: 1\r\n\r\n"
            + "RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Type: application/sdp\r\nContent-Length: 164\r\n\r\n"
            + "v=0\r\no=- 2890844526 2890842807 IN IP4 192.16.24.202\r\ns=RTSP Session\r\n"
            + "m=audio 0 RTP/AVP 0\r\na=control:rtsp://audio.com/twister/audio.en\r\n"
            + "m=video 0 RTP/AVP 31\r\na=control:rtsp://video.com/twister/video\r\n"
        var parser = RTSPStreamParser()
        try parser.feed(Array(text.utf8))
        guard case .request(let request) = try parser.next() else { Issue.record("no request"); return }
        #expect(request.method == .describe)
        #expect(request.uri == "rtsp://foo/twister")
        #expect(request.cseq == 1)
        guard case .response(let response) = try parser.next() else { Issue.record("no response"); return }
        #expect(response.status.code == 200)
        #expect(response.body.count == 164)
        #expect(try parser.next() == nil)
        #expect(parser.bufferedByteCount == 0)
        // Re-serialized, the response parses to the same value.
        var again = RTSPStreamParser()
        try again.feed(response.serialized())
        #expect(try again.next() == .response(response))
    }

    @Test func interleavedFrameEncoding() {
        #expect(RTSP.interleavedFrame(channel: 1, payload: [0xAA, 0xBB]) == [0x24, 0x01, 0x00, 0x02, 0xAA, 0xBB])
        #expect(RTSP.interleavedFrame(channel: 0, payload: [UInt8](repeating: 0, count: 65_535))?.count == 65_539)
        #expect(RTSP.interleavedFrame(channel: 0, payload: [UInt8](repeating: 0, count: 65_536)) == nil)
    }

    @Test func statusReasons() {
        #expect(RTSPStatus(code: 454).description == "454 Session Not Found")
        #expect(RTSPStatus(code: 461).reason == "Unsupported transport")
        #expect(RTSPMethod.list("OPTIONS, DESCRIBE,SETUP , GET_PARAMETER") == [.options, .describe, .setup, .getParameter])
    }
}
