import RTCBase

/// One address the gateway advertises as its ICE host candidate (`--ice-host`, YAML
/// `webrtc.iceHosts`): an IP literal, and a port of its own when the WebRTC UDP port is reached
/// through a forwarded port (NAT port forwarding, `docker run -p 9000:8189/udp`); without a port
/// the bound WebRTC port is advertised.
public struct ICEAdvertisedAddress: Sendable, Hashable, CustomStringConvertible {
    public var ip: String
    public var port: Int?

    /// A candidate as given: `ip` must be an IPv4 or IPv6 literal, `port` from 1 to 65535.
    public init?(ip: String, port: Int? = nil) {
        guard TransportAddress(host: ip, port: 0) != nil else { return nil }
        if let port, !(1...65535).contains(port) { return nil }
        self.ip = ip
        self.port = port
    }

    /// Parses "IP", "IP:PORT", "IPV6" or "[IPV6]:PORT" (a bare IPv6 address has no port; write
    /// "[::1]:9000"). Throws a message naming the text and what is expected.
    public init(parsing text: String) throws(ICEAdvertisedAddressError) {
        var ip = text
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw ICEAdvertisedAddressError(text: text) }
            ip = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw ICEAdvertisedAddressError(text: text) }
                portText = rest.dropFirst()
            }
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            ip = String(text[..<colon])
            portText = text[text.index(after: colon)...]
        }
        var port: Int?
        if let portText {
            // Digits only: Int("+9000") would pass.
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(portText) else {
                throw ICEAdvertisedAddressError(text: text)
            }
            port = value
        }
        guard let parsed = ICEAdvertisedAddress(ip: ip, port: port) else { throw ICEAdvertisedAddressError(text: text) }
        self = parsed
    }

    /// The port to put in the candidate: its own, else the bound one.
    public func port(bound: Int) -> Int { port ?? bound }

    public var description: String {
        guard let port else { return ip }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}

/// An `--ice-host` value that is not an IP literal with an optional port.
public struct ICEAdvertisedAddressError: Error, CustomStringConvertible {
    public var text: String
    public var description: String {
        "'\(text)' is not IP, IP:PORT or [IPV6]:PORT (an IPv4 or IPv6 literal, a port from 1 to 65535)"
    }
}
