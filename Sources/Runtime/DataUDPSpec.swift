import ICE
import RTCBase
import Routing

/// A path's UDP data device (`--data NAME=udp://HOST:PORT[?reply=HOST:PORT][&format=auto|binary][&maxSize=BYTES]`,
/// YAML `data:` on a path), issue #9. The gateway listens on HOST:PORT; every datagram becomes one
/// message on the path's data bus, and every message browsers send goes back as one datagram to
/// the address the last datagram came from, or to `reply` when given. `format` says how
/// datagrams reach browsers: `auto` (default) sends valid UTF-8 as a string message and anything
/// else as binary; `binary` sends every datagram as binary. `maxSize` (1 … 65,507, default 65,507)
/// is the largest datagram passed on; bigger ones are dropped and counted (`droppedTooLarge`).
public struct DataUDPSpec: Sendable, Equatable, CustomStringConvertible {
    public static let scheme = "udp://"

    public enum Format: String, Sendable, Equatable { case auto, binary }

    public var host: String
    public var port: Int
    public var reply: TransportAddress?
    public var format: Format = .auto
    /// Largest datagram passed on to the bus (bytes).
    public var maxSize = Self.maxSizeRange.upperBound
    /// 1 … the largest IPv4 UDP payload (65,535 − 8 − 20).
    public static let maxSizeRange = 1...65_507

    /// A device on `host:port` (port 0: any free port, for tests).
    public init(host: String, port: Int, reply: TransportAddress? = nil, format: Format = .auto,
                maxSize: Int = Self.maxSizeRange.upperBound) {
        self.host = host
        self.port = port
        self.reply = reply
        self.format = format
        self.maxSize = maxSize
    }

    public init(parsing text: String) throws {
        guard text.lowercased().hasPrefix(Self.scheme) else {
            throw SourceError.unusable("data '\(text)' is not udp://HOST:PORT")
        }
        var rest = Substring(text.dropFirst(Self.scheme.count))
        if let query = rest.firstIndex(of: "?") {
            for option in rest[rest.index(after: query)...].split(separator: "&") {
                let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw SourceError.unusable("data option '\(option)' is not KEY=VALUE") }
                switch parts[0] {
                case "reply":
                    guard let address = Self.address(parts[1]) else {
                        throw SourceError.unusable("data reply= '\(parts[1])' is not IP:PORT or [IPV6]:PORT")
                    }
                    reply = address
                case "format":
                    guard let format = Format(rawValue: parts[1]) else {
                        throw SourceError.unusable("data format= must be auto or binary")
                    }
                    self.format = format
                case "maxSize":
                    guard let size = Int(parts[1]), Self.maxSizeRange.contains(size) else {
                        throw SourceError.unusable("data maxSize= must be 1 … 65507 bytes")
                    }
                    maxSize = size
                default:
                    throw SourceError.unusable(
                        "data option '\(parts[0])' is unknown (reply=HOST:PORT, format=auto|binary, maxSize=BYTES)")
                }
            }
            rest = rest[..<query]
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard let address = try? ICEAdvertisedAddress(parsing: String(rest)), let port = address.port else {
            throw SourceError.unusable("data udp:// needs IP:PORT to listen on (e.g. udp://0.0.0.0:7000)")
        }
        host = address.ip
        self.port = port
    }

    /// "IP:PORT" or "[IPV6]:PORT" with a port (the ICE host-candidate syntax).
    private static func address(_ text: String) -> TransportAddress? {
        guard let parsed = try? ICEAdvertisedAddress(parsing: text), let port = parsed.port else { return nil }
        return TransportAddress(host: parsed.ip, port: UInt16(clamping: port))
    }

    /// The message a datagram becomes.
    public func message(_ datagram: [UInt8]) -> DataMessage {
        switch format {
        case .binary: return DataMessage(payload: datagram, isText: false)
        case .auto: return DataMessage(payload: datagram, isText: String(validating: datagram, as: UTF8.self) != nil)
        }
    }

    public var description: String {
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var options: [String] = []
        if let reply { options.append("reply=\(reply)") }
        if format != .auto { options.append("format=\(format.rawValue)") }
        if maxSize != Self.maxSizeRange.upperBound { options.append("maxSize=\(maxSize)") }
        return "udp://\(address)" + (options.isEmpty ? "" : "?" + options.joined(separator: "&"))
    }
}
