// libFuzzer target for the RTSP stream parser (RFC 2326 §4, §10.12 interleaved frames) and the
// RTSP header parsers: Transport (§12.39), Session (§12.37), Range (§12.29), RTP-Info (§12.33),
// Public (§12.28), WWW-Authenticate / Authorization (RFC 7235, RFC 7617, RFC 7616) and RTSP URLs.
//
// Single source file on purpose: a plain `swift build` compiles it as the executable's main file
// (an empty program), while `--sanitize=fuzzer` builds it as a library whose entry point is
// libFuzzer's driver calling `LLVMFuzzerTestOneInput`. See Fuzz/README.md.
import RTCBase
import RTSP

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    RTSPFuzzHarness.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// What one parser run over a byte stream gives: the items, the error that stopped it (if any),
/// the garbage skipped and, without an error, the bytes still held.
struct RTSPParseOutcome: Equatable {
    var items: [RTSPStreamItem] = []
    var error: RTSPParseError.Kind?
    var skippedBytes = 0
    var bufferedByteCount = 0
}

/// Parses the input as an RTSP TCP stream, once in one piece and once in chunks of random sizes
/// (1 byte up to a few hundred), which must agree. Every message then survives `serialized()`
/// and parsing again, and every header the parsers know is parsed and, where it has a writer,
/// re-parsed from its `headerValue`. Traps when an invariant breaks.
enum RTSPFuzzHarness {
    /// Small caps so the fuzzer reaches them; the buffer cap stays above any input it makes.
    static let limits: RTSPLimits = {
        var limits = RTSPLimits()
        limits.maxHeaderLines = 24
        limits.maxHeaderLineBytes = 512
        limits.maxStartLineBytes = 600
        limits.maxURLBytes = 512
        limits.maxBodyBytes = 2048
        limits.maxInterleavedFrameBytes = 1500
        limits.maxBufferedBytes = 1 << 20
        return limits
    }()

    static let policy = RTSPAuthPolicy(realm: "fuzz \"realm\"", users: [RTSPCredentials(username: "fu\"zz\\er", password: "pa:ss")],
                                       allowsBasic: true, digestAlgorithms: [.sha256, .md5, .md5Session])
    static let verifier = RTSPAuthVerifier(nonces: RTSPNonceIssuer(secret: Array(repeating: 7, count: 32)))
    static let now = Instant(nanoseconds: 1_000_000_000_000)

    static func run(_ bytes: [UInt8]) {
        guard bytes.count <= 256 * 1024 else { return }
        let whole = parse([bytes[...]], limits: limits)
        let chunked = parse(chunks(of: bytes), limits: limits)
        guard whole == chunked else {
            fatalError("chunked parse differs from one-piece parse:\n\(whole)\n---\n\(chunked)")
        }
        guard whole.skippedBytes + whole.bufferedByteCount <= bytes.count else {
            fatalError("parser skipped \(whole.skippedBytes) and holds \(whole.bufferedByteCount) of \(bytes.count) bytes")
        }
        checkReserialization(whole.items)
        var requests = 0
        for item in whole.items {
            switch item {
            case .request(let request):
                checkHeaders(request.headers)
                checkURL(request.uri)
                // Signing and verifying hashes a lot: a few requests per input are enough.
                requests += 1
                if requests <= 4 { checkAuthorization(request) }
            case .response(let response):
                checkHeaders(response.headers)
            case .interleaved(_, let payload):
                guard payload.count <= limits.maxInterleavedFrameBytes else {
                    fatalError("interleaved frame of \(payload.count) bytes over the cap")
                }
            }
        }
    }

    /// Splits `bytes` at pseudo-random points drawn from a generator seeded by the input.
    static func chunks(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        for byte in bytes.prefix(16) { state = (state ^ UInt64(byte)) &* 0x100_0000_01B3 }
        var out: [ArraySlice<UInt8>] = []
        var index = 0
        while index < bytes.count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            let size = 1 + Int(state % (state & 0x100 != 0 ? 4 : 300))
            let end = min(bytes.count, index + size)
            out.append(bytes[index..<end])
            index = end
        }
        return out
    }

    static func parse(_ chunks: [ArraySlice<UInt8>], limits: RTSPLimits) -> RTSPParseOutcome {
        var parser = RTSPStreamParser(limits: limits)
        var outcome = RTSPParseOutcome()
        do {
            for chunk in chunks {
                try parser.feed(chunk)
                while let item = try parser.next() { outcome.items.append(item) }
            }
            outcome.bufferedByteCount = parser.bufferedByteCount
        } catch {
            // The parser is done; what it holds depends on how much was fed before the error.
            outcome.error = error.kind
        }
        outcome.skippedBytes = parser.skippedBytes
        return outcome
    }

    /// Every item written back (`serialized()`, `RTSP.interleavedFrame`) parses to the same items
    /// with nothing skipped, except that `Content-Length` is set from the body.
    static func checkReserialization(_ items: [RTSPStreamItem]) {
        var stream: [UInt8] = []
        var expected: [RTSPStreamItem] = []
        for item in items {
            switch item {
            case .request(var request):
                stream += request.serialized()
                request.headers.set(request.body.isEmpty ? nil : String(request.body.count), for: "Content-Length")
                expected.append(.request(request))
            case .response(var response):
                stream += response.serialized()
                response.headers.set(response.body.isEmpty ? nil : String(response.body.count), for: "Content-Length")
                expected.append(.response(response))
            case .interleaved(let channel, let payload):
                guard let frame = RTSP.interleavedFrame(channel: channel, payload: payload) else {
                    fatalError("interleaved payload of \(payload.count) bytes cannot be framed")
                }
                stream += frame
                expected.append(item)
            }
        }
        // Default caps: writing `Name: value` may add a byte per line.
        let reparsed = parse([stream[...]], limits: RTSPLimits())
        guard reparsed.error == nil, reparsed.skippedBytes == 0, reparsed.bufferedByteCount == 0 else {
            fatalError("serialized items do not parse cleanly: \(reparsed)\n"
                       + String(decoding: stream.prefix(2048), as: UTF8.self))
        }
        guard reparsed.items == expected else {
            for (before, after) in zip(expected, reparsed.items) where before != after {
                fatalError("item changes when serialized and parsed again:\n\(before)\n---\n\(after)")
            }
            fatalError("\(expected.count) items serialized, \(reparsed.items.count) parsed again")
        }
    }

    static func checkHeaders(_ headers: RTSPHeaders) {
        for value in headers.values(named: "Transport") {
            guard let transports = try? RTSPTransport.parseList(value) else { continue }
            let text = transports.map(\.headerValue).joined(separator: ",")
            guard let again = try? RTSPTransport.parseList(text), again == transports else {
                fatalError("Transport '\(value)' written as '\(text)' does not parse back the same")
            }
            for transport in transports {
                if let interleaved = transport.interleaved, interleaved.first > 255 || (interleaved.second ?? 0) > 255 {
                    fatalError("interleaved channel above 255 accepted: \(interleaved)")
                }
            }
        }
        for value in headers.values(named: "Session") {
            guard let session = try? RTSPSessionHeader(parsing: value) else { continue }
            guard !session.id.isEmpty, session.id.utf8.count <= 256, !session.id.contains(" "),
                  (try? RTSPSessionHeader(parsing: session.headerValue)) == session else {
                fatalError("Session '\(value)' written as '\(session.headerValue)' does not parse back the same")
            }
        }
        for value in headers.values(named: "Range") {
            guard let range = try? RTSPRange(parsing: value) else { continue }
            // NPT times are written with millisecond precision: the written form is stable.
            let text = range.headerValue
            guard let again = try? RTSPRange(parsing: text), again.headerValue == text else {
                fatalError("Range '\(value)' written as '\(text)' is not stable")
            }
            if case .npt(let start, let end) = range, start == nil && end == nil {
                fatalError("Range '\(value)' parsed without start or end")
            }
        }
        for value in headers.values(named: "RTP-Info") {
            let entries = RTPInfoEntry.parseList(value)
            guard entries.count <= 64, entries.allSatisfy({ !$0.url.isEmpty }) else {
                fatalError("RTP-Info '\(value)' gave \(entries.count) entries or an empty url")
            }
            let text = RTPInfoEntry.listValue(entries)
            guard RTPInfoEntry.parseList(text) == entries else {
                fatalError("RTP-Info '\(value)' written as '\(text)' does not parse back the same")
            }
        }
        for value in headers.values(named: "Public") {
            let methods = RTSPMethod.list(value)
            guard RTSPMethod.list(RTSPMethod.listValue(methods)) == methods else {
                fatalError("Public '\(value)' does not parse back the same")
            }
        }
        let challenges = RTSPAuthChallenge.parse(headers.values(named: "WWW-Authenticate"))
        for challenge in challenges {
            let text = challenge.headerValue
            guard RTSPAuthChallenge.parse([text]) == [challenge] else {
                fatalError("challenge \(challenge) written as '\(text)' does not parse back the same")
            }
        }
        if let preferred = RTSPAuthChallenge.preferred(challenges), !challenges.contains(preferred) {
            fatalError("preferred challenge is not one of the challenges")
        }
        for name in ["Content-Base", "Content-Location", "Location"] {
            for value in headers.values(named: name) { checkURL(value) }
        }
    }

    /// A URL that parses is written without credentials and parses back to itself without them;
    /// its redacted form keeps the user and never the password. Resolving any reference against
    /// it gives a URL without credentials.
    static func checkURL(_ text: String) {
        guard let url = RTSPURL(string: text) else { return }
        let bare = url.withoutCredentials
        guard let again = RTSPURL(string: url.absoluteString), again == bare else {
            fatalError("URL '\(text)' written as '\(url.absoluteString)' does not parse back the same")
        }
        if url.user != nil {
            guard let redacted = RTSPURL(string: url.redacted), redacted.user == url.user,
                  redacted.password == url.password.map({ _ in "***" }), redacted.withoutCredentials == bare else {
                fatalError("URL '\(text)' redacted as '\(url.redacted)' loses its user or keeps the password")
            }
        }
        for reference in ["", "*", "trackID=1", "/other?x=1", text] {
            if let resolved = url.resolving(reference), resolved.user != nil || resolved.password != nil {
                fatalError("resolving '\(reference)' against '\(text)' keeps credentials")
            }
        }
        let base = RTSPURL.controlBase(contentBase: text, contentLocation: nil, requestURL: url)
        guard base.user == nil, base.password == nil else { fatalError("control base keeps credentials") }
    }

    /// The request's own `Authorization` (if any) never authorizes someone not in the policy.
    /// Credentials the client authenticator writes for each challenge the verifier issues, for
    /// this request's method and URI, always authorize the policy's user.
    static func checkAuthorization(_ request: RTSPRequest) {
        var connection = Self.verifier
        if case .authorized(let username) = verify(request, with: &connection),
           !policy.users.contains(where: { $0.username == username }) {
            fatalError("request authorized as unknown user '\(username)'")
        }
        let issued = verifier.challenges(for: policy, now: now)
        let challenges = RTSPAuthChallenge.parse(issued)
        guard challenges.count == issued.count else {
            fatalError("issued challenges \(issued) parse to \(challenges)")
        }
        for challenge in challenges {
            var client = RTSPClientAuthenticator(credentials: policy.users[0], challenge: challenge)
            var signed = request
            signed.headers["Authorization"] = client.authorization(method: request.method, uri: request.uri,
                                                                   cnonce: "0a4f113b")
            var fresh = Self.verifier  // each answer on its own connection, so no answer looks replayed
            guard case .authorized(let username) = verify(signed, with: &fresh),
                  username == policy.users[0].username else {
                fatalError("\(challenge) answered for \(request.method) '\(request.uri)' is refused: "
                           + (signed.headers["Authorization"] ?? ""))
            }
        }
    }

    /// `verify` through an `inout` verifier, whether or not `verify` is `mutating`.
    static func verify(_ request: RTSPRequest, with verifier: inout RTSPAuthVerifier) -> RTSPAuthVerifier.Outcome {
        verifier.verify(request, policy: policy, now: now)
    }
}
