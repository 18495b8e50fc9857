/// One entry of the `RTP-Info` header (RFC 2326 §12.33): `url=<url>[;seq=<n>][;rtptime=<n>]`.
public struct RTPInfoEntry: Sendable, Equatable {
    public var url: String
    public var sequenceNumber: UInt16?
    public var rtpTimestamp: UInt32?

    public init(url: String, sequenceNumber: UInt16? = nil, rtpTimestamp: UInt32? = nil) {
        self.url = url
        self.sequenceNumber = sequenceNumber
        self.rtpTimestamp = rtpTimestamp
    }

    /// Parses a whole header. Entries are split at commas followed by `url=` so that URLs with
    /// commas in their query survive. Malformed numbers are ignored (cameras get them wrong).
    public static func parseList(_ value: String) -> [RTPInfoEntry] {
        var entries: [RTPInfoEntry] = []
        var chunks: [Substring] = []
        var chunkStart = value.startIndex
        var index = value.startIndex
        while index < value.endIndex {
            if value[index] == "," {
                let after = value[value.index(after: index)...].trimmingSpaces
                if after.prefix(4).lowercased() == "url=" {
                    chunks.append(value[chunkStart..<index])
                    chunkStart = after.startIndex
                }
            }
            index = value.index(after: index)
        }
        chunks.append(value[chunkStart...])
        for chunk in chunks.prefix(64) {
            var entry = RTPInfoEntry(url: "")
            for parameter in chunk.split(separator: ";") {
                let (key, value) = parameter.splitOnceSubstring("=")
                guard let value else { continue }
                switch key.lowercased() {
                case "url": entry.url = String(value)
                case "seq": entry.sequenceNumber = UInt16(value)
                case "rtptime": entry.rtpTimestamp = UInt32(value)
                default: break
                }
            }
            if !entry.url.isEmpty { entries.append(entry) }
        }
        return entries
    }

    public var headerValue: String {
        var text = "url=\(url)"
        if let sequenceNumber { text += ";seq=\(sequenceNumber)" }
        if let rtpTimestamp { text += ";rtptime=\(rtpTimestamp)" }
        return text
    }

    /// A whole header value for several entries.
    public static func listValue(_ entries: [RTPInfoEntry]) -> String {
        entries.map(\.headerValue).joined(separator: ",")
    }
}
