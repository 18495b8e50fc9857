/// An SDP fragment as carried by `application/trickle-ice-sdpfrag` (RFC 8840 §9): ICE
/// credentials, and per media section (`m=` + `a=mid`) candidates and `a=end-of-candidates`.
/// WHIP/WHEP PATCH bodies (RFC 9725 §4.3) use it for trickle ICE and ICE restarts.
public struct TrickleFragment: Sendable, Equatable {
    public struct Section: Sendable, Equatable {
        public var mid: String?
        public var candidates: [SDPCandidate] = []
        public var endOfCandidates = false
        public init(mid: String? = nil, candidates: [SDPCandidate] = [], endOfCandidates: Bool = false) {
            self.mid = mid
            self.candidates = candidates
            self.endOfCandidates = endOfCandidates
        }
    }

    public var iceUfrag: String?
    public var icePwd: String?
    public var iceLite = false
    public var sections: [Section] = []

    public init(iceUfrag: String? = nil, icePwd: String? = nil, iceLite: Bool = false, sections: [Section] = []) {
        self.iceUfrag = iceUfrag
        self.icePwd = icePwd
        self.iceLite = iceLite
        self.sections = sections
    }

    /// All candidates in the fragment.
    public var candidateCount: Int { sections.reduce(0) { $0 + $1.candidates.count } }

    /// Parses a fragment. Credentials may appear before the first `m=` or inside a section
    /// (browsers put them at the top); unknown lines are ignored; sizes and counts are capped.
    public init(parsing text: String, limits: SDPLimits = SDPLimits()) throws(SDPError) {
        guard text.utf8.count <= limits.maxBytes else {
            throw SDPError(.tooLarge, "fragment is larger than \(limits.maxBytes) bytes")
        }
        var lineNumber = 0
        // Lines as `SessionDescription` reads them: split at LF, trailing CR, spaces and tabs dropped.
        for var raw in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            while let last = raw.last, last == UInt8(ascii: "\r") || last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") {
                raw = raw.dropLast()
            }
            if raw.isEmpty { continue }
            lineNumber += 1
            guard lineNumber <= limits.maxLines else {
                throw SDPError(.tooManyLines, line: lineNumber, "more than \(limits.maxLines) lines")
            }
            let line = Substring(raw)
            guard line.utf8.count <= limits.maxLineLength else {
                throw SDPError(.lineTooLong, line: lineNumber, "line longer than \(limits.maxLineLength) bytes")
            }
            if line.hasPrefix("m=") {
                guard sections.count < limits.maxMediaSections else {
                    throw SDPError(.tooManyMediaSections, line: lineNumber, "more than \(limits.maxMediaSections) m= sections")
                }
                sections.append(Section())
                continue
            }
            guard line.hasPrefix("a=") else { continue }
            let attribute = line.dropFirst(2)
            let name = attribute.prefix { $0 != ":" }
            let value = attribute.count > name.count ? String(attribute.dropFirst(name.count + 1)) : nil
            switch name {
            case "ice-ufrag": iceUfrag = value
            case "ice-pwd": icePwd = value
            case "ice-lite": iceLite = true
            case "mid":
                if sections.isEmpty { sections.append(Section()) }
                sections[sections.count - 1].mid = value
            case "candidate":
                if sections.isEmpty { sections.append(Section()) }
                guard sections[sections.count - 1].candidates.count < limits.maxCandidatesPerMedia else {
                    throw SDPError(.tooManyCandidates, line: lineNumber, "more than \(limits.maxCandidatesPerMedia) candidates in one section")
                }
                do {
                    sections[sections.count - 1].candidates.append(try SDPCandidate(parsing: String(attribute)))
                } catch {
                    throw SDPError(.malformed, line: lineNumber, "bad candidate: \(error.reason)")
                }
            case "end-of-candidates":
                if sections.isEmpty { sections.append(Section()) }
                sections[sections.count - 1].endOfCandidates = true
            default:
                continue
            }
        }
    }

    /// The fragment as text (CRLF), e.g. a PATCH answer after an ICE restart.
    public func serialized() -> String {
        var lines: [String] = []
        if iceLite { lines.append("a=ice-lite") }
        if let iceUfrag { lines.append("a=ice-ufrag:\(iceUfrag)") }
        if let icePwd { lines.append("a=ice-pwd:\(icePwd)") }
        for section in sections {
            lines.append("m=audio 9 UDP/TLS/RTP/SAVPF 0")
            if let mid = section.mid { lines.append("a=mid:\(mid)") }
            for candidate in section.candidates { lines.append("a=\(candidate.attributeValue)") }
            if section.endOfCandidates { lines.append("a=end-of-candidates") }
        }
        return lines.map { $0 + "\r\n" }.joined()
    }
}
