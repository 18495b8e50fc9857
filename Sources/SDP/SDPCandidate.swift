/// An ICE candidate attribute (RFC 8839 §5.1):
/// `candidate:<foundation> <component-id> <transport> <priority> <address> <port> typ <type>
/// [raddr <address>] [rport <port>] *(<extension name> <extension value>)`.
public struct SDPCandidate: Sendable, Equatable {
    /// One trailing `<name> <value>` pair such as `generation 0` or `tcptype passive`.
    public struct Extension: Sendable, Equatable {
        public var key: String
        public var value: String

        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    public var foundation: String
    /// 1 for RTP (and the only component with rtcp-mux), 2 for RTCP; 1...256.
    public var component: Int
    /// `udp` or `tcp` (compared case-insensitively).
    public var transport: String
    public var priority: UInt32
    /// An IP address or an mDNS `.local` name.
    public var address: String
    public var port: UInt16
    /// `host`, `srflx`, `prflx` or `relay`.
    public var type: String
    public var relatedAddress: String?
    public var relatedPort: UInt16?
    public var extensions: [Extension]

    public init(foundation: String, component: Int = 1, transport: String = "udp", priority: UInt32,
                address: String, port: UInt16, type: String = "host", relatedAddress: String? = nil,
                relatedPort: UInt16? = nil, extensions: [Extension] = []) {
        self.foundation = foundation
        self.component = component
        self.transport = transport
        self.priority = priority
        self.address = address
        self.port = port
        self.type = type
        self.relatedAddress = relatedAddress
        self.relatedPort = relatedPort
        self.extensions = extensions
    }

    /// Parses `candidate:…` (as in trickle-ICE fragments and `RTCIceCandidate.candidate`) or the
    /// bare value after `a=candidate:`.
    public init(parsing attributeValue: String) throws(SDPError) {
        var text = Substring(attributeValue)
        if text.hasPrefix("candidate:") { text = text.dropFirst("candidate:".count) }
        let tokens = text.split(separator: " ", omittingEmptySubsequences: true)
        func fail(_ reason: String) -> SDPError { SDPError(.malformed, "malformed candidate: \(reason)") }
        guard tokens.count >= 8, tokens[6] == "typ" else { throw fail("expected at least 8 fields with 'typ'") }
        let foundation = tokens[0]
        guard (1...32).contains(foundation.utf8.count) else { throw fail("bad foundation") }
        guard let component = SDPNumber.integer(tokens[1]), (1...256).contains(component) else {
            throw fail("bad component id")
        }
        guard let priority = SDPNumber.unsigned(tokens[3], as: UInt32.self) else { throw fail("bad priority") }
        guard let port = SDPNumber.port(tokens[5]) else { throw fail("bad port") }
        self.init(foundation: String(foundation), component: component, transport: String(tokens[2]),
                  priority: priority, address: String(tokens[4]), port: port, type: String(tokens[7]))
        var index = 8
        while index < tokens.count {
            guard index + 1 < tokens.count else { throw fail("extension '\(SDPError.excerpt(tokens[index]))' has no value") }
            let key = tokens[index], value = tokens[index + 1]
            switch key {
            case "raddr": relatedAddress = String(value)
            case "rport":
                guard let port = SDPNumber.port(value) else { throw fail("bad rport") }
                relatedPort = port
            default: extensions.append(Extension(key: String(key), value: String(value)))
            }
            index += 2
        }
    }

    /// `candidate:<foundation> …` without the `a=` prefix.
    public var attributeValue: String { "candidate:" + valueAfterName }

    /// The attribute as it appears in a media section.
    public var attribute: SDPAttribute { SDPAttribute("candidate", valueAfterName) }

    private var valueAfterName: String {
        var parts = [foundation, String(component), transport, String(priority), address, String(port), "typ", type]
        if let relatedAddress { parts += ["raddr", relatedAddress] }
        if let relatedPort { parts += ["rport", String(relatedPort)] }
        for item in extensions { parts += [item.key, item.value] }
        return parts.joined(separator: " ")
    }

    /// The extension value for `key`, e.g. `generation`.
    public func extensionValue(_ key: String) -> String? {
        extensions.first { $0.key == key }?.value
    }
}
