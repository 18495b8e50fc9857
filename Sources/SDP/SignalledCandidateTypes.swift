/// The candidates a peer signalled (offer and trickle), kept to name the route a session runs
/// over: the remote address ICE selected is looked up here, and one that matches none of them is
/// peer-reflexive (RFC 8445 §7.3.1.3; e.g. behind an mDNS host name or a NAT mapping learnt from a
/// check). A TCP active candidate signals port 9 (RFC 6544 §4.5), so TCP matches on the address
/// alone. Only RTP candidates (component 1) count, at most `capacity` of them.
public struct SignalledCandidateTypes: Sendable, Equatable {
    public static let defaultCapacity = 64

    public let capacity: Int
    private var udp: [String: String] = [:]
    private var tcp: [String: String] = [:]

    public init(capacity: Int = Self.defaultCapacity) {
        self.capacity = max(0, capacity)
    }

    public var count: Int { udp.count + tcp.count }

    public mutating func add(_ candidates: [SDPCandidate]) {
        for candidate in candidates where candidate.component == 1 {
            let host = Self.normalized(candidate.address)
            if candidate.transport.lowercased() == "tcp" {
                guard tcp[host] != nil || count < capacity else { continue }
                tcp[host] = candidate.type
            } else {
                let key = "\(host) \(candidate.port)"
                guard udp[key] != nil || count < capacity else { continue }
                udp[key] = candidate.type
            }
        }
    }

    /// The type of the candidate at `host`:`port` (`tcp`: the media runs over ICE-TCP), or
    /// `prflx` when none was signalled there.
    public func type(host: String, port: UInt16, tcp isTCP: Bool) -> String {
        let host = Self.normalized(host)
        return (isTCP ? tcp[host] : udp["\(host) \(port)"]) ?? "prflx"
    }

    /// IPv6 text compared without brackets and case.
    static func normalized(_ host: String) -> String {
        var host = Substring(host)
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        return host.lowercased()
    }
}
