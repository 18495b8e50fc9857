import Testing
import SDP

/// Every cap of `SDPLimits` at its default value: accepted at the cap, rejected one past it.
@Suite("SDP limits")
struct SDPLimitsTests {
    static let header = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    static let mediaLine = "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\n"

    private func parseError(_ text: String, limits: SDPLimits = SDPLimits()) -> SDPError? {
        do {
            _ = try SessionDescription(parsing: text, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    /// `header` + one media section + filler lines `a=x:<padding>` totalling exactly `bytes` bytes.
    private func text(totalBytes bytes: Int) -> String {
        var text = Self.header + Self.mediaLine
        while text.utf8.count < bytes {
            let room = bytes - text.utf8.count
            let fill = min(room, 4000)
            // Line "a=x:" + padding + CRLF; a remainder too small for a line becomes a blank line.
            if fill >= 7 {
                text += "a=x:" + String(repeating: "p", count: fill - 6) + "\r\n"
            } else {
                text += String(repeating: "\n", count: fill)
            }
        }
        return text
    }

    @Test("maxBytes: 65536 bytes parse, 65537 bytes are tooLarge")
    func maxBytes() {
        let limits = SDPLimits()
        let atCap = text(totalBytes: limits.maxBytes)
        #expect(atCap.utf8.count == 65536)
        #expect(parseError(atCap) == nil)
        let past = text(totalBytes: limits.maxBytes + 1)
        #expect(past.utf8.count == 65537)
        #expect(parseError(past)?.kind == .tooLarge)
        #expect((try? SessionDescription(parsing: Array(past.utf8))) == nil)
    }

    @Test("maxLines: 2000 lines parse, 2001 are tooManyLines at line 2001")
    func maxLines() {
        func lines(_ count: Int) -> String {
            Self.header + Self.mediaLine + String(repeating: "\r\n", count: count - 5)
        }
        #expect(parseError(lines(2000)) == nil)
        let error = parseError(lines(2001))
        #expect(error?.kind == .tooManyLines)
        #expect(error?.line == 2001)
    }

    @Test("maxLineLength: a 4096-byte line parses (with CRLF too), 4097 bytes is lineTooLong")
    func maxLineLength() {
        let atCap = "a=x:" + String(repeating: "y", count: 4092)
        #expect(atCap.utf8.count == 4096)
        #expect(parseError(Self.header + Self.mediaLine + atCap + "\r\n") == nil)
        #expect(parseError(Self.header + Self.mediaLine + atCap + "\n") == nil)
        let error = parseError(Self.header + Self.mediaLine + atCap + "y\r\n")
        #expect(error?.kind == .lineTooLong)
        #expect(error?.line == 6)
    }

    @Test("maxMediaSections: 16 m= sections parse, the 17th is tooManyMediaSections")
    func maxMediaSections() {
        #expect(parseError(Self.header + String(repeating: Self.mediaLine, count: 16)) == nil)
        let error = parseError(Self.header + String(repeating: Self.mediaLine, count: 17))
        #expect(error?.kind == .tooManyMediaSections)
        #expect(error?.line == 4 + 17)
    }

    @Test("maxCandidatesPerMedia: 64 candidates in a section parse, 65 are tooManyCandidates")
    func maxCandidates() {
        func candidates(_ count: Int) -> String {
            (0..<count).map { "a=candidate:\($0) 1 udp 2130706431 192.0.2.1 \(10000 + $0) typ host\r\n" }.joined()
        }
        // 64 in each of two sections: the count is per section.
        #expect(parseError(Self.header + Self.mediaLine + candidates(64) + Self.mediaLine + candidates(64)) == nil)
        let error = parseError(Self.header + Self.mediaLine + candidates(65))
        #expect(error?.kind == .tooManyCandidates)
        #expect(error?.line == 5 + 65)
        #expect(parseError(Self.header + candidates(65) + Self.mediaLine)?.kind == .tooManyCandidates)
    }

    @Test("maxAttributesPerSection: 512 a= lines parse (session and media), 513 are tooManyAttributes")
    func maxAttributes() {
        let attributes = { (count: Int) in String(repeating: "a=x\r\n", count: count) }
        #expect(parseError(Self.header + attributes(512) + Self.mediaLine + attributes(512)) == nil)
        let media = parseError(Self.header + Self.mediaLine + attributes(513))
        #expect(media?.kind == .tooManyAttributes)
        #expect(media?.line == 5 + 513)
        let session = parseError(Self.header + attributes(513) + Self.mediaLine)
        #expect(session?.kind == .tooManyAttributes)
        #expect(session?.line == 4 + 513)
    }

    @Test("custom limits are honoured")
    func customLimits() {
        var limits = SDPLimits()
        limits.maxMediaSections = 1
        limits.maxLineLength = 40
        #expect(parseError(Self.header + Self.mediaLine, limits: limits) == nil)
        #expect(parseError(Self.header + Self.mediaLine + Self.mediaLine, limits: limits)?.kind == .tooManyMediaSections)
        #expect(parseError(Self.header + Self.mediaLine + "a=" + String(repeating: "z", count: 39), limits: limits)?.kind
                == .lineTooLong)
    }
}
