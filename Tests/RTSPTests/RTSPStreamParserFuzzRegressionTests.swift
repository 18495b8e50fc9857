import RTSP
import Testing

/// Inputs FuzzRTSP found (Fuzz/README.md), cut down to what triggers each bug.
@Suite struct RTSPStreamParserFuzzRegressionTests {
    static func parse(_ chunks: [[UInt8]]) throws -> [RTSPStreamItem] {
        var parser = RTSPStreamParser()
        var items: [RTSPStreamItem] = []
        for chunk in chunks {
            try parser.feed(chunk)
            while let item = try parser.next() { items.append(item) }
        }
        return items
    }

    static func reparsed(_ item: RTSPStreamItem) throws -> [RTSPStreamItem] {
        switch item {
        case .request(let request): try parse([request.serialized()])
        case .response(let response): try parse([response.serialized()])
        case .interleaved: [item]
        }
    }

    /// A status line with a bare CR inside is garbage; it was accepted when a chunk ended on the CR,
    /// because the scan resumed after it.
    @Test func bareCRInStartLineIsGarbageWhereverTheChunkEnds() throws {
        let stream = Array("RTSP/1.0 200 OK\r00 OK\r\nCSeq: 5\r\n\r\n".utf8)
        #expect(try Self.parse([stream]).isEmpty)
        #expect(try Self.parse([Array(stream[..<16]), Array(stream[16...])]).isEmpty)
        #expect(try Self.parse(stream.map { [$0] }).isEmpty)
        // A CR LF split across chunks still ends the line.
        let response = Array("RTSP/1.0 200 OK\r\nCSeq: 5\r\n\r\n".utf8)
        #expect(try Self.parse([Array(response[..<16]), Array(response[16...])]).count == 1)
    }

    /// Folding onto an empty value gave a leading space, and an empty continuation line a trailing
    /// one; `serialized()` then did not parse back to the same headers.
    @Test func foldedValuesHaveNoOuterSpaces() throws {
        let text = "OPTIONS rtsp://h/ RTSP/1.0\r\nCSeq: 1\r\nX-Empty:\r\n folded\r\nX-Trail: a\r\n \t\r\n\r\n"
        let items = try Self.parse([Array(text.utf8)])
        guard items.count == 1, case .request(let request) = items[0] else {
            Issue.record("expected one request, got \(items)")
            return
        }
        #expect(request.headers["X-Empty"] == "folded")
        #expect(request.headers["X-Trail"] == "a")
        #expect(try Self.reparsed(items[0]) == items)
    }

    /// A value starting with a combining mark: written after `Name: `, the mark joins the space
    /// into one Character, which the Character-based trim kept.
    @Test func valueStartingWithCombiningMarkSurvivesARoundTrip() throws {
        let text = "RTSP/1.0 200 OK\r\nCSeq: 1\r\nX-Mark:\u{301}abc \u{301}\r\n\r\n"
        let items = try Self.parse([Array(text.utf8)])
        guard items.count == 1, case .response(let response) = items[0] else {
            Issue.record("expected one response, got \(items)")
            return
        }
        #expect(response.headers["X-Mark"] == "\u{301}abc \u{301}")
        #expect(try Self.reparsed(items[0]) == items)
    }
}
