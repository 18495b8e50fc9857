extension SessionDescription {
    /// Parses an SDP text (RFC 8866 §5). Accepts LF or CRLF line endings, ignores trailing spaces and
    /// tabs and blank lines, keeps unknown lines and attributes. Requires `v=0`, `o=`, `s=` as the
    /// first three lines and at least one `m=` section. Every size and count is capped by `limits`.
    public init(parsing text: String, limits: SDPLimits = SDPLimits()) throws(SDPError) {
        var parser = SDPParser(limits: limits)
        self = try parser.parse(text)
    }

    /// Parses UTF-8 bytes (e.g. an HTTP body); invalid UTF-8 is `.malformed`.
    public init(parsing bytes: [UInt8], limits: SDPLimits = SDPLimits()) throws(SDPError) {
        guard bytes.count <= limits.maxBytes else {
            throw SDPError(.tooLarge, "description of \(bytes.count) bytes exceeds the \(limits.maxBytes)-byte limit")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SDPError(.malformed, "description is not valid UTF-8")
        }
        try self.init(parsing: text, limits: limits)
    }
}

/// Line-by-line parser state for `SessionDescription.init(parsing:limits:)`.
struct SDPParser {
    let limits: SDPLimits
    private var session = SessionDescription(origin: SDPOrigin(sessionID: "0"))
    private var current: MediaDescription?
    private var currentCandidates = 0
    private var sessionCandidates = 0
    /// How many of `v=`, `o=`, `s=` have been read.
    private var headerLines = 0

    init(limits: SDPLimits) {
        self.limits = limits
    }

    mutating func parse(_ text: String) throws(SDPError) -> SessionDescription {
        let utf8 = text.utf8
        guard utf8.count <= limits.maxBytes else {
            throw SDPError(.tooLarge, "description of \(utf8.count) bytes exceeds the \(limits.maxBytes)-byte limit")
        }
        var lineNumber = 0
        var start = utf8.startIndex
        while start < utf8.endIndex {
            let end = utf8[start...].firstIndex(of: UInt8(ascii: "\n")) ?? utf8.endIndex
            lineNumber += 1
            guard lineNumber <= limits.maxLines else {
                throw SDPError(.tooManyLines, line: lineNumber, "more than \(limits.maxLines) lines")
            }
            var raw = utf8[start..<end]
            start = end < utf8.endIndex ? utf8.index(after: end) : end
            guard raw.count <= limits.maxLineLength + (raw.last == UInt8(ascii: "\r") ? 1 : 0) else {
                throw SDPError(.lineTooLong, line: lineNumber, "line longer than \(limits.maxLineLength) bytes")
            }
            while let last = raw.last, last == UInt8(ascii: "\r") || last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") {
                raw = raw.dropLast()
            }
            if raw.isEmpty { continue }
            try handle(Substring(raw), line: lineNumber)
        }
        guard headerLines == 3 else {
            throw SDPError(.missingField, "missing \(["v=0", "o=", "s="][min(headerLines, 2)]) line")
        }
        finishMedia()
        guard !session.media.isEmpty else { throw SDPError(.missingField, "no m= section") }
        return session
    }

    private mutating func handle(_ line: Substring, line number: Int) throws(SDPError) {
        let bytes = line.utf8
        guard bytes.count >= 2, let first = bytes.first,
              (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first),
              bytes[bytes.index(after: bytes.startIndex)] == UInt8(ascii: "=") else {
            throw SDPError(.malformed, line: number, "expected '<type>=<value>', got '\(SDPError.excerpt(line))'")
        }
        let type = Character(Unicode.Scalar(first))
        let value = line.dropFirst(2)
        if headerLines < 3 {
            try handleHeader(type, value, line: number)
            return
        }
        switch type {
        case "m":
            finishMedia()
            guard session.media.count < limits.maxMediaSections else {
                throw SDPError(.tooManyMediaSections, line: number, "more than \(limits.maxMediaSections) m= sections")
            }
            current = try MediaDescription(mediaLine: value, line: number)
            currentCandidates = 0
        case "a":
            let attribute = SDPAttribute(line: value)
            let isCandidate = attribute.name == "candidate"
            if var media = current {
                current = nil  // keep the array uniquely referenced while appending
                try checkAttributeLimits(count: media.attributes.count, candidates: &currentCandidates,
                                         isCandidate: isCandidate, line: number)
                media.attributes.append(attribute)
                current = media
            } else {
                try checkAttributeLimits(count: session.attributes.count, candidates: &sessionCandidates,
                                         isCandidate: isCandidate, line: number)
                session.attributes.append(attribute)
            }
        case "c":
            if current != nil {
                guard current?.connection == nil else {
                    throw SDPError(.malformed, line: number, "second c= line in media section")
                }
                current?.connection = String(value)
            } else {
                guard session.connection == nil else {
                    throw SDPError(.malformed, line: number, "second c= line at session level")
                }
                session.connection = String(value)
            }
        case "v", "o", "s":
            throw SDPError(.malformed, line: number, "unexpected \(type)= line")
        case "t", "r", "u", "e", "p", "z":
            guard current == nil else {
                throw SDPError(.malformed, line: number, "\(type)= line not allowed in a media section")
            }
            if type == "t" || type == "r" {
                session.timing.append(SDPLine(type: type, value: String(value)))
            } else {
                session.otherLines.append(SDPLine(type: type, value: String(value)))
            }
        default:
            let other = SDPLine(type: type, value: String(value))
            if current != nil { current?.otherLines.append(other) } else { session.otherLines.append(other) }
        }
    }

    private mutating func handleHeader(_ type: Character, _ value: Substring, line number: Int) throws(SDPError) {
        switch (headerLines, type) {
        case (0, "v"):
            guard value == "0" else {
                throw SDPError(.unsupported, line: number, "unsupported SDP version '\(SDPError.excerpt(value))'")
            }
            session.timing = []
        case (0, _):
            throw SDPError(.missingField, line: number, "expected v=0 as the first line")
        case (1, "o"):
            guard let origin = SDPOrigin(lineValue: value) else {
                throw SDPError(.malformed, line: number, "malformed o= line: expected 6 fields")
            }
            session.origin = origin
        case (1, _):
            throw SDPError(.missingField, line: number, "expected o= after v=")
        case (2, "s"):
            session.sessionName = String(value)
        default:
            throw SDPError(.missingField, line: number, "expected s= after o=")
        }
        headerLines += 1
    }

    private func checkAttributeLimits(count: Int, candidates: inout Int, isCandidate: Bool,
                                      line number: Int) throws(SDPError) {
        guard count < limits.maxAttributesPerSection else {
            throw SDPError(.tooManyAttributes, line: number, "more than \(limits.maxAttributesPerSection) a= lines in one section")
        }
        if isCandidate {
            guard candidates < limits.maxCandidatesPerMedia else {
                throw SDPError(.tooManyCandidates, line: number, "more than \(limits.maxCandidatesPerMedia) candidates in one section")
            }
            candidates += 1
        }
    }

    private mutating func finishMedia() {
        if let media = current {
            session.media.append(media)
            current = nil
        }
    }
}
