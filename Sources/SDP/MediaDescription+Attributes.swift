/// Typed views of media-level attributes (RFC 8866 §6, RFC 8839 ICE, RFC 8842 DTLS,
/// RFC 4585 rtcp-fb, RFC 5761 rtcp-mux, RFC 5576 ssrc, RFC 8830 msid, RFC 8843 BUNDLE).
/// Malformed attribute values are skipped by the list accessors rather than failing the parse.
extension MediaDescription {
    public var mid: String? {
        get { attributes.firstValue(named: "mid") }
        set { attributes.setValue(newValue, named: "mid") }
    }

    /// The last direction attribute, `sendrecv` when there is none (RFC 8866 §6.7).
    public var direction: MediaDirection {
        get {
            attributes.last { $0.value == nil && MediaDirection(rawValue: $0.name) != nil }
                .flatMap { MediaDirection(rawValue: $0.name) } ?? .sendrecv
        }
        set {
            let position = attributes.firstIndex { $0.value == nil && MediaDirection(rawValue: $0.name) != nil }
            attributes.removeAll { $0.value == nil && MediaDirection(rawValue: $0.name) != nil }
            let attribute = SDPAttribute(newValue.rawValue)
            if let position, position <= attributes.count {
                attributes.insert(attribute, at: position)
            } else {
                attributes.append(attribute)
            }
        }
    }

    /// Port 0 without `a=bundle-only` (RFC 8843 §6: a bundle-only section also uses port 0).
    public var isRejected: Bool { port == 0 && !isBundleOnly }

    public var isBundleOnly: Bool { attributes.contains(named: "bundle-only") }

    /// The numeric formats of an RTP media section, in `m=` order.
    public var payloadTypes: [UInt8] { formats.compactMap { SDPNumber.payloadType($0) } }

    public var rtpMaps: [RTPMap] { attributes.values(named: "rtpmap").compactMap { RTPMap(attributeValue: $0) } }

    /// The `a=rtpmap` for `payloadType`, or the RFC 3551 static assignment when it is a static type
    /// listed on the `m=` line without one.
    public func rtpMap(for payloadType: UInt8) -> RTPMap? {
        if let map = rtpMaps.first(where: { $0.payloadType == payloadType }) { return map }
        guard payloadTypes.contains(payloadType) else { return nil }
        return RTPMap.staticPayloadType(payloadType)
    }

    /// The format parameters after `a=fmtp:<pt> `, verbatim.
    public func fmtpLine(_ payloadType: UInt8) -> String? {
        for value in attributes.values(named: "fmtp") {
            let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            if parts.count == 2, SDPNumber.payloadType(parts[0]) == payloadType { return String(parts[1]) }
        }
        return nil
    }

    /// The `;`-separated `key=value` format parameters; a parameter without `=` maps to "".
    public func fmtp(_ payloadType: UInt8) -> [String: String] {
        guard let line = fmtpLine(payloadType) else { return [:] }
        return FormatParameters.parse(line)
    }

    /// `a=rtcp-fb` values for `payloadType` and for the `*` wildcard (RFC 4585 §4.2), e.g. `nack pli`.
    public func rtcpFeedback(_ payloadType: UInt8) -> [String] {
        var result: [String] = []
        for value in attributes.values(named: "rtcp-fb") {
            let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0] == "*" || SDPNumber.payloadType(parts[0]) == payloadType else { continue }
            let feedback = String(parts[1])
            if !result.contains(feedback) { result.append(feedback) }
        }
        return result
    }

    public var extMaps: [ExtMap] { attributes.values(named: "extmap").compactMap { ExtMap(attributeValue: $0) } }

    public var candidates: [SDPCandidate] {
        attributes.values(named: "candidate").compactMap { try? SDPCandidate(parsing: $0) }
    }

    public var endOfCandidates: Bool {
        get { attributes.contains(named: "end-of-candidates") }
        set { attributes.setFlag(newValue, named: "end-of-candidates") }
    }

    public var rtcpMux: Bool {
        get { attributes.contains(named: "rtcp-mux") }
        set { attributes.setFlag(newValue, named: "rtcp-mux") }
    }

    /// `a=rtcp-rsize` (RFC 5506 §5).
    public var rtcpReducedSize: Bool {
        get { attributes.contains(named: "rtcp-rsize") }
        set { attributes.setFlag(newValue, named: "rtcp-rsize") }
    }

    /// `a=sctp-port` of a data channel section (RFC 8841 §5.2); nil when absent or malformed.
    public var sctpPort: UInt16? { attributes.firstValue(named: "sctp-port").flatMap { SDPNumber.port($0) } }

    /// `a=max-message-size` (RFC 8841 §6); nil when absent or malformed.
    public var maxMessageSize: Int? { attributes.firstValue(named: "max-message-size").flatMap { SDPNumber.integer($0) } }

    /// The port of `a=rtcp:<port> [<nettype> <addrtype> <address>]` (RFC 3605 §2.1).
    public var rtcpPort: UInt16? {
        guard let value = attributes.firstValue(named: "rtcp") else { return nil }
        return value.split(separator: " ").first.flatMap { SDPNumber.port($0) }
    }

    /// Distinct SSRCs named by `a=ssrc` lines, in order (RFC 5576 §4.1).
    public var ssrcs: [UInt32] {
        var result: [UInt32] = []
        for value in attributes.values(named: "ssrc") {
            guard let token = value.split(separator: " ", maxSplits: 1).first,
                  let ssrc = SDPNumber.unsigned(token, as: UInt32.self), !result.contains(ssrc) else { continue }
            result.append(ssrc)
        }
        return result
    }

    /// The value of `a=ssrc:<ssrc> <name>:<value>`, e.g. `cname`.
    public func ssrcAttribute(_ ssrc: UInt32, _ name: String) -> String? {
        let prefix = String(ssrc) + " " + name + ":"
        return attributes.values(named: "ssrc").first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    /// `a=ssrc-group:<semantics> <ssrc>...` (RFC 5576 §4.2), e.g. `FID` pairing media and RTX.
    public var ssrcGroups: [(semantics: String, ssrcs: [UInt32])] {
        attributes.values(named: "ssrc-group").compactMap { value in
            let parts = value.split(separator: " ", omittingEmptySubsequences: true)
            guard let semantics = parts.first else { return nil }
            let ssrcs = parts.dropFirst().compactMap { SDPNumber.unsigned($0, as: UInt32.self) }
            guard ssrcs.count == parts.count - 1 else { return nil }
            return (String(semantics), ssrcs)
        }
    }

    /// `a=msid:<stream id> [<track id>]` (RFC 8830 §2), verbatim.
    public var msid: String? {
        get { attributes.firstValue(named: "msid") }
        set { attributes.setValue(newValue, named: "msid") }
    }
}
