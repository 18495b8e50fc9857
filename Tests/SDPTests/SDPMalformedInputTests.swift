import Testing
import SDP

@Suite("malformed SDP input")
struct SDPMalformedInputTests {
    static let valid = "v=0\no=- 1 2 IN IP4 127.0.0.1\ns=-\nt=0 0\nm=video 9 UDP/TLS/RTP/SAVPF 96\na=rtpmap:96 VP8/90000\n"

    private func parseError(_ text: String) -> SDPError? {
        do {
            _ = try SessionDescription(parsing: text)
            return nil
        } catch {
            return error
        }
    }

    private func replacing(_ old: String, with new: String) -> String {
        Self.valid.replacingOccurrences(of: old, with: new)
    }

    @Test("the baseline parses")
    func baseline() {
        #expect(parseError(Self.valid) == nil)
    }

    @Test("m= line with too few fields")
    func badMediaLine() {
        let error = parseError(replacing("m=video 9 UDP/TLS/RTP/SAVPF 96", with: "m=video 9"))
        #expect(error?.kind == .malformed)
        #expect(error?.line == 5)
        #expect(error?.description == "SDP line 5: malformed m= line: expected '<media> <port> <proto> <fmt> ...'")
    }

    @Test("non-numeric, overflowing and signed ports", arguments: ["abc", "65536", "-1", "+9", "9/x", ""])
    func badPort(port: String) {
        let error = parseError(replacing("m=video 9 ", with: "m=video \(port) "))
        #expect(error?.kind == .malformed)
        #expect(error?.line == 5)
        #expect(error?.description.hasPrefix("SDP line 5: malformed m= line") == true)
    }

    @Test("missing v= line")
    func missingVersion() {
        let error = parseError(replacing("v=0\n", with: ""))
        #expect(error?.kind == .missingField)
        #expect(error?.line == 1)
        #expect(error?.description == "SDP line 1: expected v=0 as the first line")
    }

    @Test("unsupported version")
    func unsupportedVersion() {
        let error = parseError(replacing("v=0", with: "v=1"))
        #expect(error?.kind == .unsupported)
        #expect(error?.line == 1)
    }

    @Test("missing or malformed o= line, missing s= line")
    func missingOrigin() {
        let missing = parseError(replacing("o=- 1 2 IN IP4 127.0.0.1\n", with: ""))
        #expect(missing?.kind == .missingField && missing?.line == 2)
        let malformed = parseError(replacing("o=- 1 2 IN IP4 127.0.0.1", with: "o=- 1 2 IN IP4"))
        #expect(malformed?.kind == .malformed && malformed?.line == 2)
        let noName = parseError(replacing("s=-\n", with: ""))
        #expect(noName?.kind == .missingField && noName?.line == 3)
    }

    @Test("no m= section, truncated header, empty input")
    func missingStructure() {
        let noMedia = parseError("v=0\no=- 1 2 IN IP4 127.0.0.1\ns=-\nt=0 0\n")
        #expect(noMedia?.kind == .missingField)
        #expect(noMedia?.line == nil)
        #expect(noMedia?.description == "SDP: no m= section")
        #expect(parseError("v=0\no=- 1 2 IN IP4 127.0.0.1\n")?.description == "SDP: missing s= line")
        #expect(parseError("")?.description == "SDP: missing v=0 line")
        #expect(parseError("\r\n\r\n")?.kind == .missingField)
    }

    @Test("binary garbage is malformed on line 1 with a printable one-line description")
    func binaryGarbage() {
        let garbage = String(decoding: [0x00, 0x01, 0xFF, 0x0D, 0x7F, 0xC3, 0x28, 0x0A, 0x41], as: UTF8.self)
        let error = parseError(garbage)
        #expect(error?.kind == .malformed)
        #expect(error?.line == 1)
        #expect(error.map { !$0.description.contains("\n") && $0.description.unicodeScalars.allSatisfy { $0.isASCII } } == true)
        let bytes: [UInt8] = [0x76, 0x3D, 0x30, 0x0A, 0xC3, 0x28]
        #expect(throws: SDPError(.malformed, "description is not valid UTF-8")) {
            try SessionDescription(parsing: bytes)
        }
    }

    @Test("a line that is not <type>=<value> reports its number", arguments: ["garbage", "=x", "a", "1=2", " a=x", "é=x"])
    func notTypeValue(line: String) {
        let error = parseError(Self.valid + line + "\n")
        #expect(error?.kind == .malformed)
        #expect(error?.line == 7)
    }

    @Test("session-only lines inside a media section and repeated header lines")
    func misplacedLines() {
        #expect(parseError(Self.valid + "t=0 0\n")?.line == 7)
        #expect(parseError(Self.valid + "o=- 1 2 IN IP4 127.0.0.1\n")?.kind == .malformed)
        #expect(parseError(Self.valid + "c=IN IP4 0.0.0.0\nc=IN IP4 0.0.0.0\n")?.line == 8)
    }

    @Test("malformed typed attributes are skipped by the accessors, not fatal")
    func lenientAttributes() throws {
        let sdp = try SessionDescription(parsing: Self.valid + "a=rtpmap:300 X/1\na=rtpmap:97 Y\na=extmap:0 urn:x\n"
            + "a=candidate:1 1 udp 1 host\na=setup:sideways\na=ssrc:abc cname:x\na=fingerprint:sha-256\n")
        let media = sdp.media[0]
        #expect(media.rtpMaps == [RTPMap(payloadType: 96, encodingName: "VP8", clockRate: 90000)])
        #expect(media.extMaps.isEmpty && media.candidates.isEmpty && media.ssrcs.isEmpty)
        #expect(media.setup == nil && media.fingerprint == nil)
    }
}
