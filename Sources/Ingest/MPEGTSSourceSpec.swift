import RTCBase
import Routing

/// An MPEG-TS over UDP source: `udp+mpegts://HOST:PORT[?interface=NAME_OR_ADDRESS]`. HOST is the
/// address to listen on (0.0.0.0 for every interface), or a multicast group (224.0.0.0/4,
/// ff00::/8) that the gateway joins, on `interface` when given (a device name such as `eth0`,
/// or one of its addresses).
public struct MPEGTSSourceSpec: Sendable, Equatable, CustomStringConvertible {
    public static let scheme = "udp+mpegts://"

    public var host: String
    public var port: Int
    /// The interface that joins the multicast group (nil: the system's choice).
    public var interface: String?

    public init(parsing text: String) throws {
        guard text.lowercased().hasPrefix(Self.scheme) else {
            throw SourceError.unusable("'\(text)' is not a udp+mpegts://HOST:PORT source")
        }
        var rest = Substring(text.dropFirst(Self.scheme.count))
        if let query = rest.firstIndex(of: "?") {
            for option in rest[rest.index(after: query)...].split(separator: "&") {
                let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, parts[0] == "interface", !parts[1].isEmpty else {
                    throw SourceError.unusable("udp+mpegts:// option '\(option)' is unknown; the only option is interface=NAME")
                }
                interface = parts[1]
            }
            rest = rest[..<query]
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        var hostText = ""
        var portText = ""
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            hostText = String(rest[rest.index(after: rest.startIndex)..<close])
            portText = String(rest[rest.index(after: close)...].dropFirst())
        } else if let colon = rest.lastIndex(of: ":") {
            hostText = String(rest[..<colon])
            portText = String(rest[rest.index(after: colon)...])
        }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw SourceError.unusable("udp+mpegts:// needs a port from 1 to 65535: udp+mpegts://HOST:PORT")
        }
        guard TransportAddress(host: hostText, port: UInt16(port)) != nil else {
            throw SourceError.unusable("udp+mpegts:// host '\(hostText)' must be an IP address (0.0.0.0, a local address or a multicast group)")
        }
        self.host = hostText
        self.port = port
        if interface != nil, !isMulticast {
            throw SourceError.unusable("udp+mpegts:// interface= applies to multicast groups only")
        }
    }

    /// True for IPv4 224.0.0.0/4 and IPv6 ff00::/8 groups.
    public var isMulticast: Bool {
        guard let address = TransportAddress(host: host, port: 0), let first = address.ip.first else { return false }
        return address.isIPv4 ? (224...239).contains(first) : first == 0xFF
    }

    public var description: String {
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        return "udp+mpegts://\(address)" + (interface.map { "?interface=\($0)" } ?? "")
    }
}
