import RTCBase
import RTSP
import Testing

/// A scripted fake camera sending hostile bytes: the runtime loop (parser → session) must fail
/// cleanly or resync, with memory bounded by the parser's caps.
@Suite struct RTSPHostileCameraTests {
    /// Feeds `bytes` in 1400-byte segments as the runtime would; on a parse error it reports the
    /// closed connection to the session, like the runtime does before closing the socket.
    static func run(_ h: inout ClientHarness, bytes: [UInt8], limits: RTSPLimits = RTSPLimits()) -> Int {
        var parser = RTSPStreamParser(limits: limits)
        var maxBuffered = 0
        var offset = 0
        while offset < bytes.count {
            let chunk = bytes[offset..<min(bytes.count, offset + 1400)]
            offset += chunk.count
            do throws(RTSPParseError) {
                try parser.feed(chunk)
                while let item = try parser.next() { h.session.handle(item, now: h.now) }
            } catch {
                h.session.connectionClosed(now: h.now, error: error)
                break
            }
            maxBuffered = max(maxBuffered, parser.bufferedByteCount)
        }
        h.drain()
        return maxBuffered
    }

    static func answer(_ cseq: String, _ headers: String) -> [UInt8] {
        Array("RTSP/1.0 200 OK\r\nCSeq: \(cseq)\r\n\(headers)".utf8)
    }

    @Test(arguments: [
        ("Content-Length: -1\r\n\r\n", "protocol violation: invalid Content-Length '-1'"),
        ("Content-Length: 99999999999\r\n\r\n", "protocol violation: Content-Length 99999999999 exceeds 65536 bytes"),
        ("Content-Length: 70000\r\n\r\n", "protocol violation: Content-Length 70000 exceeds 65536 bytes"),
        ("Bad header line\r\n\r\n", "protocol violation: header line without a name and colon"),
    ])
    func hostileHeadersFailCleanly(headers: String, message: String) {
        var h = ClientHarness("rtsp://10.0.0.7/cam")
        h.start()
        _ = Self.run(&h, bytes: Self.answer("1", headers))
        #expect(h.failure?.description == message)
        #expect(h.deadline == .distantFuture)
    }

    @Test func tenThousandHeadersFailWithBoundedMemory() {
        var h = ClientHarness("rtsp://10.0.0.7/cam")
        h.start()
        var text = ""
        for i in 0..<10_000 { text += "X-Junk-\(i): \(String(repeating: "z", count: 20))\r\n" }
        let maxBuffered = Self.run(&h, bytes: Self.answer("1", text + "\r\n"))
        #expect(h.failure == .protocolViolation("more than 64 header lines"))
        #expect(maxBuffered <= RTSPLimits().maxBufferedBytes)
        #expect(maxBuffered < 3000)
    }

    @Test func truncatedHeadersThenCloseIsAConnectionFailure() {
        var h = ClientHarness("rtsp://10.0.0.7/cam")
        h.start()
        _ = Self.run(&h, bytes: Array("RTSP/1.0 200 OK\r\nCSeq: 1\r\nPubl".utf8))
        #expect(h.failure == nil)
        h.session.connectionClosed(now: h.now)
        h.drain()
        #expect(h.failure == .connectionClosed)
    }

    @Test func garbageBeforeAnswerIsSkipped() {
        var h = ClientHarness("rtsp://10.0.0.7/cam")
        h.start()
        _ = Self.run(&h, bytes: [0xFF, 0x00, 0x10] + Array("\r\nhello\r\n".utf8) + Self.answer("1", "Public: OPTIONS\r\n\r\n"))
        #expect(h.last.method == .describe)
        #expect(h.failure == nil)
    }

    @Test func oversizedInterleavedFrameWithLowerCap() {
        var h = ClientHarness("rtsp://10.0.0.7/cam", transport: .tcp)
        h.start()
        var limits = RTSPLimits()
        limits.maxInterleavedFrameBytes = 1500
        _ = Self.run(&h, bytes: (RTSP.interleavedFrame(channel: 0, payload: [UInt8](repeating: 1, count: 1500)) ?? [])
                     + (RTSP.interleavedFrame(channel: 0, payload: [UInt8](repeating: 1, count: 1501)) ?? []), limits: limits)
        #expect(h.failure == .protocolViolation("interleaved frame of 1501 bytes exceeds 1500"))
    }

    @Test func closeWithoutSessionAndTeardownTimeout() {
        var h = ClientHarness("rtsp://10.0.0.7/cam")
        h.start()
        h.session.close(now: h.now)
        h.drain()
        #expect(h.lastEvent == .closed)
        #expect(h.sent.map(\.method) == [.options])

        var t = ClientHarness("rtsp://10.0.0.7:8554/cam", transport: .tcp)
        RTSPClientSessionTests.describeLive555(&t)
        t.reply(200, [("Session", "S1")])
        t.session.close(now: t.now)  // before PLAY: a session exists, so TEARDOWN
        t.drain()
        #expect(t.last.method == .teardown)
        #expect(t.deadline == t.now + .seconds(2))
        t.advance(to: t.now + .seconds(2))
        #expect(t.lastEvent == .closed)
        #expect(t.failure == nil)
    }
}
