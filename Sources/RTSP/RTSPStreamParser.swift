/// Incremental parser for one RTSP TCP stream carrying requests, responses and interleaved binary
/// frames in any mix (RFC 2326 §4, §10.12; RFC 7826 §20.2.1 framing is the same).
///
/// Feed arbitrary chunks with `feed(_:)`, then call `next()` until it returns nil. Bytes that cannot
/// start a message or a frame (garbage) are skipped up to the next `$`, `RTSP/` status line or
/// plausible request line and counted in `skippedBytes`. Every size is capped by `RTSPLimits`; an
/// exceeded cap throws and leaves the parser unusable (the runtime closes the connection).
public struct RTSPStreamParser: Sendable {
    public let limits: RTSPLimits
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var state: State = .idle
    /// Where the search for the next LF resumes (avoids rescanning on byte-wise feeds). While
    /// looking for a start line, every byte in `readIndex..<scanIndex` is known to be printable and
    /// not LF, whichever candidate start scanned it, so skipping a candidate never rescans them.
    private var scanIndex = 0
    /// The last space seen by the start-line scan (absolute index; stale values are before
    /// `readIndex` and harmless): an endless URL is refused without rescanning it for a space.
    private var lastSpaceIndex = -1
    /// How far the method token of the candidate at `start` was scanned when more bytes were
    /// needed, so byte-wise input does not rescan it.
    private var methodScan = (start: -1, end: -1)
    private var failed: RTSPParseError?

    /// Garbage bytes skipped while resynchronizing.
    public private(set) var skippedBytes = 0
    /// Bytes examined while looking for a start line: the work resynchronizing costs, which must stay
    /// linear in the input whatever it holds (crafted garbage arrives before any authentication).
    public private(set) var startLineScanSteps = 0

    private enum StartLineResult {
        case needMore, skipped, line(StartLine)
    }

    private enum StartLine: Sendable {
        case request(RTSPMethod, String, String)
        case response(String, RTSPStatus)
    }

    private enum State: Sendable {
        case idle
        case headers(StartLine, RTSPHeaders)
        case body(StartLine, RTSPHeaders, Int)
    }

    public init(limits: RTSPLimits = RTSPLimits()) { self.limits = limits }

    /// Bytes held: unread input (the message being assembled is part of it until complete).
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Appends bytes read from the connection. Throws `.bufferOverflow` when more than
    /// `limits.maxBufferedBytes` would be held.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(RTSPParseError) {
        if let failed { throw failed }
        guard bufferedByteCount + bytes.count <= limits.maxBufferedBytes else {
            throw fail(.bufferOverflow, "more than \(limits.maxBufferedBytes) unparsed bytes buffered")
        }
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// The next complete item, or nil when more bytes are needed.
    public mutating func next() throws(RTSPParseError) -> RTSPStreamItem? {
        if let failed { throw failed }
        while true {
            switch state {
            case .idle:
                guard readIndex < buffer.count else { return nil }
                if buffer[readIndex] == 0x24 {
                    guard buffer.count - readIndex >= 4 else { return nil }
                    let channel = buffer[readIndex + 1]
                    let length = Int(buffer[readIndex + 2]) << 8 | Int(buffer[readIndex + 3])
                    guard length <= limits.maxInterleavedFrameBytes else {
                        throw fail(.interleavedFrameTooLarge,
                                   "interleaved frame of \(length) bytes exceeds \(limits.maxInterleavedFrameBytes)")
                    }
                    guard buffer.count - readIndex - 4 >= length else { return nil }
                    let payload = Array(buffer[(readIndex + 4)..<(readIndex + 4 + length)])
                    consume(4 + length)
                    return .interleaved(channel: channel, payload: payload)
                }
                switch try readStartLine() {
                case .needMore: return nil
                case .skipped: continue
                case .line(let start): state = .headers(start, RTSPHeaders())
                }
            case .headers(let start, var headers):
                guard let line = try readLine(cap: limits.maxHeaderLineBytes, what: .headerLineTooLong) else { return nil }
                if line.isEmpty {
                    let length = try contentLength(headers)
                    state = .body(start, headers, length)
                    continue
                }
                if line[line.startIndex] == 0x20 || line[line.startIndex] == 0x09, let last = headers.fields.last {
                    // Obsolete line folding (RFC 2326 §4 uses RFC 2616 §2.2 LWS).
                    let more = String(decoding: line, as: UTF8.self).trimmingSpaces
                    guard last.value.utf8.count + more.utf8.count < limits.maxHeaderLineBytes else {
                        throw fail(.headerLineTooLong, "folded header line longer than \(limits.maxHeaderLineBytes) bytes")
                    }
                    // The fold is one space between words: none before the first or after the last.
                    if !more.isEmpty { headers.appendToLastValue(last.value.isEmpty ? String(more) : " " + more) }
                    state = .headers(start, headers)
                    continue
                }
                guard headers.count < limits.maxHeaderLines else {
                    throw fail(.tooManyHeaders, "more than \(limits.maxHeaderLines) header lines")
                }
                guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex else {
                    throw fail(.malformedHeader, "header line without a name and colon")
                }
                let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self).trimmingSpaces
                guard !name.isEmpty, !name.contains(" ") else {
                    throw fail(.malformedHeader, "header name contains spaces")
                }
                let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingSpaces
                headers.add(String(name), String(value))
                state = .headers(start, headers)
            case .body(let start, let headers, let length):
                guard buffer.count - readIndex >= length else { return nil }
                let body = Array(buffer[readIndex..<(readIndex + length)])
                consume(length)
                state = .idle
                switch start {
                case .request(let method, let uri, let version):
                    return .request(RTSPRequest(method: method, uri: uri, version: version, headers: headers, body: body))
                case .response(let version, let status):
                    return .response(RTSPResponse(status: status, version: version, headers: headers, body: body))
                }
            }
        }
    }

    // MARK: - Internals

    private mutating func fail(_ kind: RTSPParseError.Kind, _ reason: String) -> RTSPParseError {
        let error = RTSPParseError(kind, reason)
        failed = error
        return error
    }

    private mutating func consume(_ count: Int) {
        readIndex += count
        scanIndex = max(scanIndex, readIndex)
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 2 * limits.maxBufferedBytes)
            readIndex = 0
            scanIndex = 0
            lastSpaceIndex = -1
            methodScan = (-1, -1)
        }
    }

    private mutating func compact() {
        guard readIndex > 0, readIndex >= 4096 || readIndex * 2 >= buffer.count else { return }
        buffer.removeSubrange(0..<readIndex)
        scanIndex -= readIndex
        lastSpaceIndex -= readIndex
        methodScan = (methodScan.start - readIndex, methodScan.end - readIndex)
        readIndex = 0
    }

    private mutating func skip(_ count: Int) {
        skippedBytes += count
        consume(count)
    }

    /// The next line (without CR LF), or nil when no complete line is buffered yet.
    private mutating func readLine(cap: Int, what: RTSPParseError.Kind) throws(RTSPParseError) -> ArraySlice<UInt8>? {
        var index = max(scanIndex, readIndex)
        let limit = min(buffer.count, readIndex + cap + 2)
        while index < limit, buffer[index] != 0x0A { index += 1 }
        guard index < limit else {
            scanIndex = index
            if buffer.count - readIndex > cap + 1 {
                throw fail(what, what == .headerLineTooLong
                    ? "header line longer than \(cap) bytes" : "start line longer than \(cap) bytes")
            }
            return nil
        }
        var end = index
        if end > readIndex, buffer[end - 1] == 0x0D { end -= 1 }
        guard end - readIndex <= cap else {
            throw fail(what, what == .headerLineTooLong
                ? "header line longer than \(cap) bytes" : "start line longer than \(cap) bytes")
        }
        let line = buffer[readIndex..<end]
        consume(index + 1 - readIndex)
        return line
    }

    /// Finds a plausible start line at `readIndex`, skipping garbage (RFC 2326 §6.1, §7.1).
    private mutating func readStartLine() throws(RTSPParseError) -> StartLineResult {
        let first = buffer[readIndex]
        let available = buffer.count - readIndex
        // Candidate: "RTSP/" (status line) or an upper-case method token followed by a space.
        var isResponse = false
        var methodLength = 0
        let prefix: [UInt8] = Array("RTSP/".utf8)
        if first == UInt8(ascii: "R") {
            let n = min(prefix.count, available)
            if buffer[readIndex..<(readIndex + n)].elementsEqual(prefix[0..<n]) {
                if n < prefix.count { return .needMore }
                isResponse = true
            }
        }
        if !isResponse {
            guard Self.isMethodByte(first), first >= 0x41, first <= 0x5A else { skip(1); return .skipped }
            var index = methodScan.start == readIndex ? methodScan.end : readIndex
            while index < buffer.count, index - readIndex <= 32, Self.isMethodByte(buffer[index]) {
                index += 1
                startLineScanSteps += 1
            }
            if index == buffer.count, index - readIndex <= 32 {
                methodScan = (readIndex, index)
                return .needMore
            }
            guard index < buffer.count, buffer[index] == 0x20, index - readIndex >= 3, index - readIndex <= 32 else {
                skip(1); return .skipped
            }
            methodLength = index - readIndex
        }
        // Validate printable bytes up to LF, within the caps.
        var index = max(scanIndex, readIndex)
        let cap = limits.maxStartLineBytes
        while index < buffer.count {
            startLineScanSteps += 1
            let byte = buffer[index]
            if byte == 0x0A { break }
            if byte == 0x0D, index + 1 == buffer.count { break }   // CR LF or garbage: the next byte tells
            let printable = (byte >= 0x20 && byte < 0x7F) || byte == 0x09
                || (byte == 0x0D && buffer[index + 1] == 0x0A)
            guard printable else {
                // Every candidate starting before this byte has it in its line: they are all garbage,
                // and the scan of the next one resumes here (linear work, whatever the input).
                scanIndex = index
                skip(1)
                return .skipped
            }
            if byte == 0x20 { lastSpaceIndex = index }
            index += 1
            if !isResponse, index - readIndex - methodLength - 1 > limits.maxURLBytes,
               lastSpaceIndex < readIndex + methodLength + 1 {
                throw fail(.urlTooLong, "request URL longer than \(limits.maxURLBytes) bytes")
            }
            if index - readIndex > cap + 1 {
                throw fail(.startLineTooLong, "start line longer than \(cap) bytes")
            }
        }
        scanIndex = index
        guard index < buffer.count, buffer[index] == 0x0A else { return .needMore }
        var end = index
        if end > readIndex, buffer[end - 1] == 0x0D { end -= 1 }
        guard end - readIndex <= cap else { throw fail(.startLineTooLong, "start line longer than \(cap) bytes") }
        let text = String(decoding: buffer[readIndex..<end], as: UTF8.self)
        let lineBytes = index + 1 - readIndex
        let parts = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        if isResponse {
            if parts.count >= 2, Self.isVersion(parts[0]), parts[1].utf8.count == 3,
               let code = Int(parts[1]), code >= 100 {
                consume(lineBytes)
                let reason = parts.count == 3 ? String(parts[2].trimmingSpaces) : RTSPStatus.defaultReason(code)
                return .line(.response(String(parts[0]), RTSPStatus(code: code, reason: reason)))
            }
        } else if parts.count == 3, !parts[1].isEmpty, Self.isVersion(parts[2]) {
            guard parts[1].utf8.count <= limits.maxURLBytes else {
                throw fail(.urlTooLong, "request URL longer than \(limits.maxURLBytes) bytes")
            }
            consume(lineBytes)
            return .line(.request(RTSPMethod(String(parts[0])), String(parts[1]), String(parts[2])))
        }
        skip(lineBytes)
        return .skipped
    }

    private static func isMethodByte(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || byte == 0x5F || byte == 0x2D || (byte >= 0x30 && byte <= 0x39)
    }

    /// `RTSP/<digit>.<digit>`.
    private static func isVersion(_ text: Substring) -> Bool {
        let u = Array(text.utf8)
        return u.count == 8 && text.hasPrefix("RTSP/") && u[5] >= 0x30 && u[5] <= 0x39 && u[6] == 0x2E
            && u[7] >= 0x30 && u[7] <= 0x39
    }

    /// `Content-Length` (RFC 2326 §12.14): absent means no body; anything but one decimal within
    /// `maxBodyBytes` is an error.
    private mutating func contentLength(_ headers: RTSPHeaders) throws(RTSPParseError) -> Int {
        let values = headers.values(named: "Content-Length")
        guard let first = values.first else { return 0 }
        let text = first.trimmingSpaces
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              values.allSatisfy({ $0.trimmingSpaces == text }) else {
            throw fail(.invalidContentLength, "invalid Content-Length '\(String(text.prefix(32)))'")
        }
        guard text.utf8.count <= 9, let length = Int(text), length <= limits.maxBodyBytes else {
            throw fail(.bodyTooLarge, "Content-Length \(String(text.prefix(32))) exceeds \(limits.maxBodyBytes) bytes")
        }
        return length
    }
}
