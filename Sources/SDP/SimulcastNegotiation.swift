/// Receiving simulcast from a publisher: `a=rid` (RFC 8851 §4) and `a=simulcast` (RFC 8853 §5.1),
/// with the RTP stream identifier header extensions (RFC 8852 §3) and the mid extension
/// (RFC 8843 §15.2) that let the receiver tell the layers apart before it knows their SSRCs.
public enum SimulcastNegotiation {
    public static let midURI = "urn:ietf:params:rtp-hdrext:sdes:mid"
    public static let streamIDURI = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
    public static let repairedStreamIDURI = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
    /// The most layers accepted unless configured otherwise.
    public static let defaultMaxLayers = 3
    /// Longest rid accepted (RFC 8852 §3.3 sends it in a header extension of at most 255 bytes;
    /// libwebrtc caps it at 16).
    public static let maxRIDLength = 16

    /// The rids of an offered `a=simulcast:send …` that have a matching `a=rid:<id> send`, in the
    /// offer's order, at most `maxLayers` (the others are left out of the answer, RFC 8853 §5.3.2).
    /// Only the first alternative of each stream is taken; a `~` (initially paused) rid is taken
    /// without it. Empty when the section offers no send simulcast.
    public static func offeredSendLayers(_ section: MediaDescription, maxLayers: Int) -> [String] {
        guard maxLayers > 0, let value = section.attributes.firstValue(named: "simulcast") else { return [] }
        let parts = value.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count >= 2, parts.count.isMultiple(of: 2) else { return [] }
        var sendList: Substring?
        for index in stride(from: 0, to: parts.count, by: 2) where parts[index] == "send" {
            sendList = parts[index + 1]
        }
        guard let sendList else { return [] }
        let declared = section.attributes.values(named: "rid").compactMap { value -> String? in
            let fields = value.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, fields[1] == "send", isValidRID(fields[0]) else { return nil }
            return String(fields[0])
        }
        var layers: [String] = []
        for stream in sendList.split(separator: ";", omittingEmptySubsequences: true) {
            guard layers.count < maxLayers else { break }
            guard var rid = stream.split(separator: ",", omittingEmptySubsequences: true).first else { continue }
            if rid.hasPrefix("~") { rid = rid.dropFirst() }
            let name = String(rid)
            guard isValidRID(rid), declared.contains(name), !layers.contains(name) else { continue }
            layers.append(name)
        }
        return layers
    }

    /// RFC 8851 §10: `rid-id = 1*(alpha-numeric / "-" / "_")`, here at most `maxRIDLength` long.
    static func isValidRID(_ rid: Substring) -> Bool {
        guard !rid.isEmpty, rid.utf8.count <= maxRIDLength else { return false }
        return rid.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x5F
        }
    }

    /// The answer's lines for accepted layers: `a=rid:<id> recv` each and `a=simulcast:recv a;b;c`.
    static func answerAttributes(layers: [String]) -> [SDPAttribute] {
        guard !layers.isEmpty else { return [] }
        return layers.map { SDPAttribute("rid", $0 + " recv") }
            + [SDPAttribute("simulcast", "recv " + layers.joined(separator: ";"))]
    }
}

extension AnswerOptions {
    /// Accepts send simulcast from publishers (up to `maxLayers` rids per video section) and the
    /// mid, rid and repaired-rid header extensions.
    public mutating func acceptSimulcast(maxLayers: Int = SimulcastNegotiation.defaultMaxLayers) {
        maxSimulcastLayers = max(maxLayers, 0)
        supportedExtensions.formUnion([SimulcastNegotiation.midURI, SimulcastNegotiation.streamIDURI,
                                       SimulcastNegotiation.repairedStreamIDURI])
    }
}

extension NegotiatedMedia {
    /// The answered id of the rtp-stream-id extension, if accepted.
    public var streamIDExtensionID: Int? { extensions.first { $0.uri == SimulcastNegotiation.streamIDURI }?.id }

    /// The answered id of the repaired-rtp-stream-id extension, if accepted.
    public var repairedStreamIDExtensionID: Int? {
        extensions.first { $0.uri == SimulcastNegotiation.repairedStreamIDURI }?.id
    }

    /// The answered id of the mid extension, if accepted.
    public var midExtensionID: Int? { extensions.first { $0.uri == SimulcastNegotiation.midURI }?.id }
}
