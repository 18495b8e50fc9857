/// One media section: an `m=` line and the lines up to the next `m=` (RFC 8866 §5.14).
///
/// Typed views of the attributes live in `MediaDescription+Attributes.swift`; `attributes` stays
/// the single source of truth, so unknown attributes and their order survive a round trip.
public struct MediaDescription: Sendable, Equatable {
    public var kind: MediaKind
    /// 0 means rejected (or `bundle-only`, RFC 8843 §6).
    public var port: UInt16
    /// The optional `/<number of ports>` suffix of the port.
    public var portCount: Int?
    /// e.g. `UDP/TLS/RTP/SAVPF`, `RTP/AVP`, `UDP/DTLS/SCTP`.
    public var proto: String
    /// Payload type numbers for RTP profiles, other tokens (e.g. `webrtc-datachannel`) otherwise.
    public var formats: [String]
    /// The value of the section's `c=` line, e.g. `IN IP4 0.0.0.0`.
    public var connection: String?
    public var attributes: [SDPAttribute]
    /// `i=`, `b=`, `k=` and unknown lines, serialized in that order before `a=` lines.
    public var otherLines: [SDPLine]

    public init(kind: MediaKind, port: UInt16, portCount: Int? = nil, proto: String, formats: [String],
                connection: String? = nil, attributes: [SDPAttribute] = [], otherLines: [SDPLine] = []) {
        self.kind = kind
        self.port = port
        self.portCount = portCount
        self.proto = proto
        self.formats = formats
        self.connection = connection
        self.attributes = attributes
        self.otherLines = otherLines
    }

    /// The text after `m=`.
    public var lineValue: String {
        var text = kind.token + " " + String(port)
        if let portCount { text += "/" + String(portCount) }
        text += " " + proto
        for format in formats { text += " " + format }
        return text
    }

    /// Parses the text after `m=`; `line` is used for errors.
    init(mediaLine value: Substring, line: Int) throws(SDPError) {
        let tokens = value.split(separator: " ", omittingEmptySubsequences: true)
        guard tokens.count >= 4 else {
            throw SDPError(.malformed, line: line, "malformed m= line: expected '<media> <port> <proto> <fmt> ...'")
        }
        let portParts = tokens[1].split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let port = SDPNumber.port(portParts[0]) else {
            throw SDPError(.malformed, line: line, "malformed m= line: non-numeric port '\(SDPError.excerpt(tokens[1]))'")
        }
        var portCount: Int?
        if portParts.count == 2 {
            guard let count = SDPNumber.integer(portParts[1]), count > 0 else {
                throw SDPError(.malformed, line: line, "malformed m= line: bad port count")
            }
            portCount = count
        }
        self.init(kind: MediaKind(token: tokens[0]), port: port, portCount: portCount, proto: String(tokens[2]),
                  formats: tokens[3...].map(String.init))
    }
}
