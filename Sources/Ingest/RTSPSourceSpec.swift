import RTSP
import Routing

/// An RTSP source: the camera URL (credentials kept out of every description), the transport
/// preference and the on-demand settings. `description` is safe for logs, errors and API answers.
public struct RTSPSourceSpec: Sendable, Equatable, CustomStringConvertible {
    /// The camera URL, including user and password when given.
    public var url: RTSPURL
    /// UDP, TCP interleaved, or automatic (UDP first, TCP when no UDP media arrives; the default).
    public var transport: RTSPTransportPreference = .automatic
    /// Connect only while the path has readers.
    public var onDemand = false
    /// With `onDemand`: disconnect this long after the last reader left.
    public var closeAfter: Duration = .seconds(10)

    /// The longest `closeAfter` accepted.
    static let maxCloseAfter: Duration = .seconds(86_400)

    /// Parses `rtsp://[user[:password]@]host[:port][/path][?query]`. The error never repeats the text
    /// (it may hold a password).
    public init(parsing text: String) throws {
        guard let url = RTSPURL(string: text) else {
            throw SourceError.unusable("not a valid RTSP URL; expected rtsp://[user:password@]host[:port]/path")
        }
        guard url.scheme == "rtsp" else {
            throw SourceError.unusable("\(url.scheme):// sources are not supported; use rtsp:// (\(url.redacted))")
        }
        self.url = url
    }

    public var description: String {
        var text = url.redacted
        var options: [String] = []
        if transport != .automatic { options.append("transport=\(Self.name(of: transport))") }
        if onDemand { options.append("onDemand closeAfter=\(Self.format(closeAfter))") }
        if !options.isEmpty { text += " (" + options.joined(separator: ", ") + ")" }
        return text
    }

    /// Options from the YAML path entry: `rtspTransport: udp|tcp|automatic`, `onDemand: true`,
    /// `onDemandCloseAfter: 10s`. Nil leaves the default.
    public mutating func apply(transport: String?, onDemand: Bool?, closeAfter: String?) throws {
        if let transport {
            switch transport.lowercased() {
            case "udp": self.transport = .udp
            case "tcp": self.transport = .tcp
            case "automatic", "auto": self.transport = .automatic
            default: throw SourceError.unusable("rtspTransport '\(transport)' must be udp, tcp or automatic")
            }
        }
        if let onDemand { self.onDemand = onDemand }
        if let closeAfter {
            guard let duration = Self.parseDuration(closeAfter), duration <= Self.maxCloseAfter else {
                throw SourceError.unusable("onDemandCloseAfter '\(closeAfter)' must be a duration like 10s, 500ms or 2m (at most 24h)")
            }
            self.closeAfter = duration
        }
    }

    /// `500ms`, `10s`, `2m`, `1h`, or a bare number of seconds; nil when malformed.
    static func parseDuration(_ text: String) -> Duration? { Duration(configText: text) }

    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 { return "\(seconds)s" }
        return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000)ms"
    }

    public static func name(of transport: RTSPTransportPreference) -> String {
        switch transport {
        case .udp: "udp"
        case .tcp: "tcp"
        case .automatic: "automatic"
        }
    }
}
