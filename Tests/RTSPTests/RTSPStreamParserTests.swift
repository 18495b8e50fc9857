import RTSP
import Testing
import TestSupport

@Suite struct RTSPStreamParserTests {
    /// ffmpeg 6 DESCRIBE as captured against a camera, followed by an interleaved RTP frame.
    static let ffmpegDescribe = "DESCRIBE rtsp://192.168.1.64:554/Streaming/Channels/101 RTSP/1.0\r\n"
        + "Accept: application/sdp\r\nCSeq: 2\r\nUser-Agent: Lavf60.16.100\r\n\r\n"

    static func drain(_ parser: inout RTSPStreamParser) throws(RTSPParseError) -> [RTSPStreamItem] {
        var items: [RTSPStreamItem] = []
        while let item = try parser.next() { items.append(item) }
        return items
    }

    static let mixedStream: [UInt8] = {
        var bytes = Array(ffmpegDescribe.utf8)
        bytes += RTSP.interleavedFrame(channel: 0, payload: [0x80, 0x60, 0x00, 0x01]) ?? []
        bytes += Array("RTSP/1.0 200 OK\r\nCSeq: 5\r\nSession: 12345678;timeout=60\r\nContent-Length: 4\r\n\r\nabcd".utf8)
        bytes += RTSP.interleavedFrame(channel: 1, payload: [0x81, 0xC9, 0x00, 0x01, 1, 2, 3, 4]) ?? []
        return bytes
    }()

    static func checkMixed(_ items: [RTSPStreamItem]) {
        #expect(items.count == 4)
        guard items.count == 4 else { return }
        if case .request(let r) = items[0] {
            #expect(r.method == .describe && r.headers["user-agent"] == "Lavf60.16.100")
        } else { Issue.record("item 0") }
        #expect(items[1] == .interleaved(channel: 0, payload: [0x80, 0x60, 0x00, 0x01]))
        if case .response(let r) = items[2] {
            #expect(r.status.code == 200 && r.body == Array("abcd".utf8) && r.cseq == 5)
        } else { Issue.record("item 2") }
        #expect(items[3] == .interleaved(channel: 1, payload: [0x81, 0xC9, 0x00, 0x01, 1, 2, 3, 4]))
    }

    @Test func mixedMessagesAndFramesInOneChunk() throws {
        var parser = RTSPStreamParser()
        try parser.feed(Self.mixedStream)
        Self.checkMixed(try Self.drain(&parser))
        #expect(parser.bufferedByteCount == 0)
    }

    @Test func splitAtEveryByteBoundary() throws {
        let bytes = Self.mixedStream
        for split in 0...bytes.count {
            var parser = RTSPStreamParser()
            try parser.feed(bytes[..<split])
            var items = try Self.drain(&parser)
            try parser.feed(bytes[split...])
            items += try Self.drain(&parser)
            Self.checkMixed(items)
            #expect(parser.skippedBytes == 0)
        }
        // And one byte at a time.
        var parser = RTSPStreamParser()
        var items: [RTSPStreamItem] = []
        for byte in bytes {
            try parser.feed([byte])
            items += try Self.drain(&parser)
        }
        Self.checkMixed(items)
    }

    @Test func garbageBetweenFramesIsSkipped() throws {
        var bytes = RTSP.interleavedFrame(channel: 0, payload: [1, 2, 3]) ?? []
        bytes += [0x00, 0xFF, 0x13, 0x37, 0x0D, 0x0A] + Array("hello world\r\n".utf8) + [0x80, 0x81]
        bytes += RTSP.interleavedFrame(channel: 2, payload: [4, 5]) ?? []
        bytes += Array("xyzzy RTSP/1.0 200 OK\r\nCSeq: 9\r\n\r\n".utf8)
        var parser = RTSPStreamParser()
        try parser.feed(bytes)
        let items = try Self.drain(&parser)
        #expect(items.count == 3)
        #expect(items.first == .interleaved(channel: 0, payload: [1, 2, 3]))
        #expect(items.dropFirst().first == .interleaved(channel: 2, payload: [4, 5]))
        if case .response(let response) = items.last { #expect(response.cseq == 9) } else { Issue.record("no response") }
        #expect(parser.skippedBytes == 6 + 13 + 2 + 6)
    }

    @Test func unknownVersionLineIsGarbage() throws {
        var parser = RTSPStreamParser()
        try parser.feed(Array("GET / HTTP/1.1\r\nOPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n".utf8))
        let items = try Self.drain(&parser)
        #expect(items.count == 1)
        if case .request(let request) = items.first { #expect(request.method == .options && request.uri == "*") }
    }

    @Test func foldedHeaderLines() throws {
        var parser = RTSPStreamParser()
        try parser.feed(Array("RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS,\r\n DESCRIBE\r\n\r\n".utf8))
        guard case .response(let response) = try parser.next() else { Issue.record("no response"); return }
        #expect(response.headers["Public"] == "OPTIONS, DESCRIBE")
    }

    // MARK: - Limits, each at the cap and one past it

    static func request(headerCount: Int) -> [UInt8] {
        var text = "OPTIONS * RTSP/1.0\r\n"
        for i in 0..<headerCount { text += "X-H\(i): v\r\n" }
        return Array((text + "\r\n").utf8)
    }

    static func parseError(_ bytes: [UInt8], limits: RTSPLimits = RTSPLimits()) -> RTSPParseError? {
        var parser = RTSPStreamParser(limits: limits)
        do throws(RTSPParseError) {
            try parser.feed(bytes)
            _ = try drain(&parser)
            return nil
        } catch {
            return error
        }
    }

    @Test func headerCountCap() {
        #expect(Self.parseError(Self.request(headerCount: 64)) == nil)
        #expect(Self.parseError(Self.request(headerCount: 65))?.kind == .tooManyHeaders)
    }

    @Test func tenThousandHeadersFailEarlyWithBoundedMemory() throws {
        let bytes = Self.request(headerCount: 10_000)
        var parser = RTSPStreamParser()
        var failure: RTSPParseError?
        var offset = 0
        while offset < bytes.count, failure == nil {
            let chunk = bytes[offset..<min(bytes.count, offset + 1500)]
            offset += chunk.count
            do throws(RTSPParseError) {
                try parser.feed(chunk)
                _ = try Self.drain(&parser)
            } catch {
                failure = error
            }
            #expect(parser.bufferedByteCount <= parser.limits.maxBufferedBytes)
        }
        #expect(failure?.kind == .tooManyHeaders)
        #expect(offset < 3000)  // failed within the first two segments
        #expect(failure?.description == "RTSP parse error: more than 64 header lines")
    }

    @Test func headerLineCap() {
        let ok = "OPTIONS * RTSP/1.0\r\nX: " + String(repeating: "a", count: 8 * 1024 - 3) + "\r\n\r\n"
        let long = "OPTIONS * RTSP/1.0\r\nX: " + String(repeating: "a", count: 8 * 1024 - 2) + "\r\n\r\n"
        #expect(Self.parseError(Array(ok.utf8)) == nil)
        #expect(Self.parseError(Array(long.utf8))?.kind == .headerLineTooLong)
        // Without a line end at all, the error comes as soon as the cap is passed.
        var parser = RTSPStreamParser()
        #expect(throws: RTSPParseError.self) {
            try parser.feed(Array(("OPTIONS * RTSP/1.0\r\nX: " + String(repeating: "a", count: 9000)).utf8))
            _ = try parser.next()
        }
    }

    @Test func urlCap() {
        let path = { (n: Int) in "rtsp://h/" + String(repeating: "p", count: n - 9) }
        #expect(Self.parseError(Array("DESCRIBE \(path(4096)) RTSP/1.0\r\nCSeq: 1\r\n\r\n".utf8)) == nil)
        #expect(Self.parseError(Array("DESCRIBE \(path(4097)) RTSP/1.0\r\nCSeq: 1\r\n\r\n".utf8))?.kind == .urlTooLong)
        // An endless URL fails once past the cap, without waiting for the line end.
        #expect(Self.parseError(Array("DESCRIBE \(path(5000))".utf8))?.kind == .urlTooLong)
    }

    @Test func startLineCap() {
        var limits = RTSPLimits()
        limits.maxStartLineBytes = 100
        let reason = { (n: Int) in "RTSP/1.0 200 " + String(repeating: "k", count: n - 13) + "\r\nCSeq: 1\r\n\r\n" }
        #expect(Self.parseError(Array(reason(100).utf8), limits: limits) == nil)
        #expect(Self.parseError(Array(reason(101).utf8), limits: limits)?.kind == .startLineTooLong)
    }

    @Test func bodyCap() {
        let message = { (n: Int) in Array("ANNOUNCE rtsp://h/p RTSP/1.0\r\nContent-Length: \(n)\r\n\r\n".utf8) + [UInt8](repeating: 0x41, count: n) }
        #expect(Self.parseError(message(65_536)) == nil)
        #expect(Self.parseError(message(65_537))?.kind == .bodyTooLarge)
    }

    @Test(arguments: ["-1", "abc", "12 34", "0x10", "", "+5"])
    func invalidContentLength(_ value: String) {
        let bytes = Array("RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: \(value)\r\n\r\n".utf8)
        #expect(Self.parseError(bytes)?.kind == .invalidContentLength)
    }

    @Test(arguments: ["99999999999999999999", "4294967296", "1000000000"])
    func hugeContentLength(_ value: String) {
        let bytes = Array("RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: \(value)\r\n\r\n".utf8)
        #expect(Self.parseError(bytes)?.kind == .bodyTooLarge)
    }

    @Test func conflictingContentLengths() {
        let bytes = Array("RTSP/1.0 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab".utf8)
        #expect(Self.parseError(bytes)?.kind == .invalidContentLength)
    }

    @Test func interleavedFrameCap() {
        var limits = RTSPLimits()
        limits.maxInterleavedFrameBytes = 1000
        #expect(Self.parseError(RTSP.interleavedFrame(channel: 0, payload: [UInt8](repeating: 0, count: 1000)) ?? [],
                                limits: limits) == nil)
        #expect(Self.parseError(RTSP.interleavedFrame(channel: 0, payload: [UInt8](repeating: 0, count: 1001)) ?? [],
                                limits: limits)?.kind == .interleavedFrameTooLarge)
        // The default accepts the wire maximum.
        #expect(Self.parseError(RTSP.interleavedFrame(channel: 0, payload: [UInt8](repeating: 0, count: 65_535)) ?? []) == nil)
    }

    @Test func bufferCapAndFailureIsSticky() throws {
        var limits = RTSPLimits()
        limits.maxBufferedBytes = 2000
        var parser = RTSPStreamParser(limits: limits)
        // A frame announcing 1500 bytes delivered in pieces: at the cap is fine, one past throws.
        try parser.feed([0x24, 0x00, 0x05, 0xDC] + [UInt8](repeating: 0, count: 1996))
        #expect(parser.bufferedByteCount == 2000)
        var second = RTSPStreamParser(limits: limits)
        #expect(throws: RTSPParseError.self) { try second.feed([UInt8](repeating: 0x24, count: 2001)) }
        #expect(throws: RTSPParseError.self) { try second.feed([0x24]) }
        #expect(throws: RTSPParseError.self) { _ = try second.next() }
    }

    @Test func truncatedHeadersWaitThenMemoryStaysBounded() throws {
        var parser = RTSPStreamParser()
        try parser.feed(Array("RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Ty".utf8))
        #expect(try parser.next() == nil)
        #expect(parser.bufferedByteCount == 10)
        // A peer that never ends its header line is cut off at the line cap.
        var failure: RTSPParseError?
        for _ in 0..<100 where failure == nil {
            do throws(RTSPParseError) {
                try parser.feed([UInt8](repeating: 0x61, count: 1000))
                _ = try parser.next()
            } catch {
                failure = error
            }
            #expect(parser.bufferedByteCount <= 8 * 1024 + 1000)
        }
        #expect(failure?.kind == .headerLineTooLong)
    }

    @Test func headerWithoutColonIsMalformed() {
        #expect(Self.parseError(Array("RTSP/1.0 200 OK\r\nCSeq 1\r\n\r\n".utf8))?.kind == .malformedHeader)
    }

    @Test func randomGarbageNeverTrapsAndStaysBounded() {
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<200 {
            var parser = RTSPStreamParser()
            var bytes: [UInt8] = []
            for _ in 0..<64 { bytes.append(UInt8(truncatingIfNeeded: generator.next())) }
            bytes += Array("RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n".utf8)
            do {
                try parser.feed(bytes)
                _ = try Self.drain(&parser)
            } catch {}
            #expect(parser.bufferedByteCount <= bytes.count)
        }
    }

    /// Crafted garbage: plausible request starts ("AAA " or a 31-letter method and a space) that a
    /// NUL before the line end makes invalid. Resynchronizing must cost work linear in the input
    /// (a rescan per skipped byte was ~2 million steps for 4 KiB), whole or fed byte by byte, at the
    /// start-line cap and one past it.
    @Test(arguments: [4, 32], [false, true])
    func resyncOverCraftedGarbageIsLinear(period: Int, bytewise: Bool) throws {
        let limits = RTSPLimits()
        let word = Array((String(repeating: "A", count: period - 1) + " ").utf8)
        let options = Array("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n".utf8)
        for length in [limits.maxStartLineBytes, limits.maxStartLineBytes + 1] {
            var garbage = (0..<(length - 1)).map { word[$0 % word.count] }
            garbage += [0x00, 0x0D, 0x0A]
            var parser = RTSPStreamParser(limits: limits)
            var items: [RTSPStreamItem] = []
            for chunk in bytewise ? (garbage + options).map({ [$0] }) : [garbage + options] {
                try parser.feed(chunk)
                items += try Self.drain(&parser)
            }
            #expect(items.count == 1)
            #expect(parser.skippedBytes == garbage.count)
            let fed = garbage.count + options.count
            #expect(parser.startLineScanSteps <= 34 * fed, "\(parser.startLineScanSteps) steps for \(fed) bytes")
        }
        // A printable line at the cap is parsed (unknown method: the session answers it), one past it
        // is refused, each in linear work.
        var lineLimits = limits
        lineLimits.maxURLBytes = limits.maxStartLineBytes
        for (length, refused) in [(limits.maxStartLineBytes, false), (limits.maxStartLineBytes + 1, true)] {
            let uri = String(repeating: "u", count: length - 4 - 9)
            let line = Array(("AAA " + uri + " RTSP/1.0").utf8)
            #expect(line.count == length)
            var parser = RTSPStreamParser(limits: lineLimits)
            var error: RTSPParseError?
            do {
                for chunk in bytewise ? (line + [0x0D, 0x0A, 0x0D, 0x0A]).map({ [$0] }) : [line + [0x0D, 0x0A, 0x0D, 0x0A]] {
                    try parser.feed(chunk)
                    _ = try Self.drain(&parser)
                }
            } catch let e { error = e }
            #expect((error != nil) == refused, "\(String(describing: error))")
            #expect(parser.startLineScanSteps <= 34 * (line.count + 4))
        }
    }
}
