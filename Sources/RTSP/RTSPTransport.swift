/// One transport specification of the `Transport` header (RFC 2326 §12.39):
/// `RTP/AVP[/UDP|/TCP];unicast|multicast;client_port=a-b;server_port=a-b;interleaved=a-b;...`.
///
/// Unknown parameters are kept in `otherParameters` and written back.
public struct RTSPTransport: Sendable, Equatable {
    public enum LowerTransport: String, Sendable { case udp = "UDP", tcp = "TCP" }
    public enum Delivery: String, Sendable { case unicast, multicast }

    /// A port or channel pair `a-b` (a single value means `a` alone).
    public struct Pair: Sendable, Equatable, CustomStringConvertible {
        public var first: UInt16
        public var second: UInt16?
        public init(_ first: UInt16, _ second: UInt16? = nil) { self.first = first; self.second = second }
        public var description: String { second.map { "\(first)-\($0)" } ?? "\(first)" }

        init?(_ text: Substring) {
            let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), let a = Self.number(parts[0]) else { return nil }
            first = a
            if parts.count == 2 {
                guard let b = Self.number(parts[1]) else { return nil }
                second = b
            }
        }

        private static func number(_ text: Substring) -> UInt16? {
            let t = text.trimmingSpaces
            guard !t.isEmpty, t.utf8.count <= 5, t.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
            return UInt16(t)
        }
    }

    /// `RTP/AVP`, `RTP/AVPF`, `RTP/SAVP`...
    public var profile: String
    public var lowerTransport: LowerTransport
    /// Whether `/UDP` was written explicitly.
    public var explicitLowerTransport: Bool
    public var delivery: Delivery?
    public var destination: String?
    public var source: String?
    public var interleaved: Pair?
    public var clientPort: Pair?
    public var serverPort: Pair?
    /// Multicast `port=`.
    public var port: Pair?
    public var ttl: UInt8?
    public var ssrc: UInt32?
    /// `PLAY` or `RECORD` (quotes removed, upper-cased).
    public var mode: String?
    public var append: Bool
    public var otherParameters: [String]

    public init(profile: String = "RTP/AVP", lowerTransport: LowerTransport = .udp, delivery: Delivery? = .unicast,
                destination: String? = nil, source: String? = nil, interleaved: Pair? = nil,
                clientPort: Pair? = nil, serverPort: Pair? = nil, port: Pair? = nil, ttl: UInt8? = nil,
                ssrc: UInt32? = nil, mode: String? = nil, append: Bool = false, otherParameters: [String] = []) {
        self.profile = profile
        self.lowerTransport = lowerTransport
        self.explicitLowerTransport = lowerTransport == .tcp
        self.delivery = delivery
        self.destination = destination
        self.source = source
        self.interleaved = interleaved
        self.clientPort = clientPort
        self.serverPort = serverPort
        self.port = port
        self.ttl = ttl
        self.ssrc = ssrc
        self.mode = mode
        self.append = append
        self.otherParameters = otherParameters
    }

    /// Parses one specification; throws on a malformed known parameter.
    public init(parsing text: some StringProtocol) throws(RTSPHeaderError) {
        let parts = text.split(separator: ";").map { $0.trimmingSpaces }
        guard let spec = parts.first, !spec.isEmpty else { throw RTSPHeaderError("empty transport specification") }
        // Each of protocol, profile and lower transport is a token (RFC 2326 §12.39): no empty
        // component and no white space, so what is written back parses to the same profile.
        let specParts = spec.split(separator: "/", omittingEmptySubsequences: false)
        guard specParts.count >= 2, specParts.count <= 3,
              specParts.allSatisfy({ part in !part.isEmpty && !part.contains { $0 == " " || $0 == "\t" } }) else {
            throw RTSPHeaderError("transport '\(String(spec.prefix(40)))' is not <protocol>/<profile>[/<lower>]")
        }
        self.init(profile: "\(specParts[0].uppercased())/\(specParts[1].uppercased())", delivery: nil)
        if specParts.count == 3 {
            switch specParts[2].uppercased() {
            case "UDP": lowerTransport = .udp
            case "TCP": lowerTransport = .tcp
            default: throw RTSPHeaderError("unknown lower transport '\(String(specParts[2].prefix(16)))'")
            }
            explicitLowerTransport = true
        } else {
            explicitLowerTransport = false
        }
        for parameter in parts.dropFirst() where !parameter.isEmpty {
            let (key, value) = parameter.splitOnceSubstring("=")
            func pair() throws(RTSPHeaderError) -> Pair {
                guard let value, let pair = Pair(value) else {
                    throw RTSPHeaderError("invalid \(key) '\(String((value ?? "").prefix(24)))'")
                }
                return pair
            }
            switch key.lowercased() {
            case "unicast": delivery = .unicast
            case "multicast": delivery = .multicast
            case "destination": destination = value.map(String.init)
            case "source": source = value.map(String.init)
            case "interleaved":
                let p = try pair()
                guard p.first <= 255, (p.second ?? 0) <= 255 else { throw RTSPHeaderError("interleaved channel above 255") }
                interleaved = p
            case "client_port": clientPort = try pair()
            case "server_port": serverPort = try pair()
            case "port": port = try pair()
            case "ttl":
                guard let value, let t = UInt8(value.trimmingSpaces) else { throw RTSPHeaderError("invalid ttl") }
                ttl = t
            case "ssrc":
                // RFC 2326 says 8 hex digits; some servers send fewer or a list (RFC 7826): take the first.
                let first = value?.split(separator: "/").first?.trimmingSpaces ?? ""
                guard !first.isEmpty, first.utf8.count <= 8, let s = UInt32(first, radix: 16) else {
                    throw RTSPHeaderError("invalid ssrc '\(String(first.prefix(16)))'")
                }
                ssrc = s
            case "mode":
                // Quotes off first, then the blanks they held: `mode="play\t"` is PLAY, and what we
                // write parses back the same.
                mode = value.map { String(String($0.filter { $0 != "\"" }).trimmingSpaces).uppercased() }
            case "append": append = true
            default: otherParameters.append(String(parameter))
            }
        }
    }

    /// Parses a `Transport` header: comma-separated alternatives in preference order (at most 16).
    public static func parseList(_ value: String) throws(RTSPHeaderError) -> [RTSPTransport] {
        let specs = value.split(separator: ",").map { $0.trimmingSpaces }.filter { !$0.isEmpty }
        guard !specs.isEmpty else { throw RTSPHeaderError("empty Transport header") }
        guard specs.count <= 16 else { throw RTSPHeaderError("more than 16 transport specifications") }
        var out: [RTSPTransport] = []
        for spec in specs { out.append(try RTSPTransport(parsing: spec)) }
        return out
    }

    /// The header text of this specification.
    public var headerValue: String {
        var parts = [profile + (lowerTransport == .tcp || explicitLowerTransport ? "/\(lowerTransport.rawValue)" : "")]
        if let delivery { parts.append(delivery.rawValue) }
        if let destination { parts.append("destination=\(destination)") }
        if let source { parts.append("source=\(source)") }
        if let interleaved { parts.append("interleaved=\(interleaved)") }
        if let ttl { parts.append("ttl=\(ttl)") }
        if let port { parts.append("port=\(port)") }
        if let clientPort { parts.append("client_port=\(clientPort)") }
        if let serverPort { parts.append("server_port=\(serverPort)") }
        if let ssrc {
            let hex = String(ssrc, radix: 16, uppercase: true)
            parts.append("ssrc=" + String(repeating: "0", count: 8 - hex.count) + hex)
        }
        if let mode { parts.append("mode=\(mode)") }
        if append { parts.append("append") }
        parts.append(contentsOf: otherParameters)
        return parts.joined(separator: ";")
    }
}

extension StringProtocol {
    /// `key=value` split at the first `=`, both trimmed; value nil without `=`.
    func splitOnceSubstring(_ separator: Character) -> (Substring, Substring?) {
        guard let index = firstIndex(of: separator) else { return (trimmingSpaces, nil) }
        return (self[..<index].trimmingSpaces, self[self.index(after: index)...].trimmingSpaces)
    }
}
