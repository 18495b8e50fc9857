import Foundation
import Runtime
import Yams

/// The YAML configuration file (`rtcbridge serve --config rtcbridge.yml`). Every key is optional;
/// flags given on the command line override the file.
///
/// ```yaml
/// http: { address: "0.0.0.0:8889", corsOrigins: ["https://app.example"], token: "s3cret", iceServers: ["stun:stun.example.org"] }
/// webrtc: { udpPort: 8189, iceHosts: ["192.168.1.10", "203.0.113.7:9000"] }
/// metrics: { maxSessionSeries: 1000 }
/// rtsp: { address: "0.0.0.0:8554", maxConnections: 512, maxConnectionsPerClient: 64, idleTimeout: "20s", nonceLifetime: "30s", allowBasic: false }
/// # RTSP parser caps and request queue, per connection (defaults shown):
/// # rtsp: { maxHeaderLines: 64, maxHeaderLineBytes: 8192, maxStartLineBytes: 4352, maxURLBytes: 4096,
/// #         maxBodyBytes: 65536, maxInterleavedFrameBytes: 65536, maxBufferedBytes: 262144, maxQueuedRequests: 8 }
/// auth: { jwt: { jwks: keys.json, issuer: "https://issuer.example" }, webhook: { url: "http://127.0.0.1:9000/auth" } }
/// shutdownTimeout: 5
/// paths:
///   cam: { source: cam.sdp }
///   demo: { source: demo }
/// ```
public struct ConfigFile: Decodable, Sendable {
    public struct HTTP: Decodable, Sendable {
        public var address: String?
        public var corsOrigins: [String]?
        public var token: String?
        public var iceServers: [String]?
        public var maxOfferBytes: Int?
        /// Open HTTP connections at most (default 1024).
        public var maxConnections: Int?
        /// Seconds before an idle HTTP connection is closed (default 30).
        public var idleTimeout: Int?
    }
    public struct WebRTC: Decodable, Sendable {
        public var udpPort: Int?
        public var bindHost: String?
        /// Advertised host candidates: "IP" (with udpPort), "IP:PORT" or "[IPV6]:PORT".
        public var iceHosts: [String]?
        /// ICE-TCP passive (RFC 6544) on this TCP port (off by default); its caps: connections
        /// (default 1000), frame bytes (4096, 1500 ... 65535), bytes queued per connection (1 MiB).
        public var tcpPort: Int?
        public var tcpMaxConnections: Int?
        public var tcpMaxFrameBytes: Int?
        public var tcpMaxBufferedBytes: Int?
        /// How often the STUN server (`--ice-server stun:…`) is asked again for the server-reflexive address, e.g. "5m".
        public var stunRefresh: String?
        /// WebRTC sessions at once (default 1000) and per client address (default 100).
        public var maxSessions: Int?
        public var maxSessionsPerClient: Int?
        /// Send buffer per WebRTC UDP socket in bytes (default 4194304, 65536 ... 268435456).
        public var sendBufferBytes: Int?
        /// Opus bitrate of AAC/G.722 audio transcoded for viewers, bit/s (default 64000, 6000 ... 510000).
        public var opusBitrate: Int?
        /// Highest bitrate WHIP publishers are told they may send, bits/s (default 8000000, 100000 ... 1000000000).
        public var maxPublishBitrate: Int?
        /// Largest data channel message accepted, in bytes (default 262144, 1024 ... 1048576).
        public var maxMessageSize: Int?
        /// Accept simulcast (up to 3 layers) from WHIP publishers (default false).
        public var simulcast: Bool?
        /// Most simulcast layers accepted per video section (default 3, 1 ... 8).
        public var simulcastMaxLayers: Int?
    }
    public struct RTSP: Decodable, Sendable {
        /// "HOST:PORT" of the RTSP server, or "off".
        public var address: String?
        /// Accept Basic credentials (the password in clear text): only over TLS or trusted networks.
        public var allowBasic: Bool?
        /// How long a Digest nonce stays usable, e.g. "30s".
        public var nonceLifetime: String?
        /// Digest nonces one connection may have in use at once.
        public var maxNoncesPerConnection: Int?
        /// TCP connections open at once; more are closed on arrival.
        public var maxConnections: Int?
        /// TCP connections open at once from one IP address.
        public var maxConnectionsPerClient: Int?
        /// Connections without a session are closed after this long without a request, e.g. "20s".
        public var idleTimeout: String?
        /// Sessions end after this long without a request or RTCP (TCP: anything), e.g. "60s".
        public var sessionTimeout: String?
        /// Bytes queued for one connection before the server waits for it to read.
        public var maxQueuedWriteBytes: Int?
        /// Parser caps per connection (`RTSPLimits`); a request past one closes the connection.
        public var maxHeaderLines: Int?
        public var maxHeaderLineBytes: Int?
        public var maxStartLineBytes: Int?
        public var maxURLBytes: Int?
        public var maxBodyBytes: Int?
        public var maxInterleavedFrameBytes: Int?
        public var maxBufferedBytes: Int?
        /// Requests queued behind one that waits (e.g. for an on-demand camera); more get 503.
        public var maxQueuedRequests: Int?
    }
    public struct PathEntry: Decodable, Sendable {
        public var source: String
        /// Plain RTP destinations, e.g. ["rtp://127.0.0.1:6000"].
        public var forward: [String]?
        /// A UDP data device exchanging datagrams with the path's data channels,
        /// e.g. "udp://0.0.0.0:7000?reply=192.168.1.50:7001".
        public var data: String?
        /// Recording directory (and options), e.g. "/var/recordings".
        public var record: String?
        /// A new WHIP publisher replaces the current one instead of getting 409.
        public var allowTakeover: Bool?
        /// Bearer token WHIP publishers of this path must present.
        public var publishToken: String?
        /// Bearer token WHEP viewers of this path must present.
        public var readToken: String?
        /// RTSP sources: `udp`, `tcp` or `automatic` (default).
        public var rtspTransport: String?
        /// RTSP sources: connect only while someone reads the path.
        public var onDemand: Bool?
        /// With `onDemand`: disconnect this long after the last reader left (e.g. "10s").
        public var onDemandCloseAfter: String?
        /// RTSP server: "user:password" entries allowed to read / publish this path (the tokens,
        /// when set, are accepted as the password of any user name too).
        public var readUsers: [String]?
        public var publishUsers: [String]?
    }

    public struct Metrics: Decodable, Sendable {
        /// WebRTC sessions with their own `/metrics` series at most (default 1000; 0: none).
        public var maxSessionSeries: Int?
    }

    /// `log: { format: json }` (see `LogFormat`).
    public struct Log: Decodable, Sendable {
        public var format: String?
    }

    public var http: HTTP?
    /// JWT, webhook and failed-attempt limits (`ConfigFile.AuthSection`).
    public var auth: AuthSection?
    public var log: Log?
    public var metrics: Metrics?
    public var webrtc: WebRTC?
    public var rtsp: RTSP?
    public var paths: [String: PathEntry]?
    /// The control API (`api: { adminToken: … }`, see `ConfigFile+API`).
    public var api: API?
    /// Seconds the drain on SIGTERM/SIGINT may take (default 5, 0.1 ... 3600).
    public var shutdownTimeout: Double?

    /// Reads and validates a file; errors name the file and what is wrong.
    public static func load(from file: String) throws -> ConfigFile {
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw ConfigError("cannot read config file \(file): \(error.localizedDescription)")
        }
        do {
            return try YAMLDecoder().decode(ConfigFile.self, from: text)
        } catch let DecodingError.keyNotFound(key, context) {
            throw ConfigError("\(file): missing key '\(key.stringValue)' at \(context.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch let DecodingError.typeMismatch(type, context) {
            let expected: String
            switch type {
            case is Int.Type: expected = "an integer"
            case is Double.Type: expected = "a number"
            case is String.Type: expected = "a string"
            case is Bool.Type: expected = "true or false"
            case is [String].Type: expected = "a list of strings"
            default: expected = "a \(type)"
            }
            throw ConfigError("\(file): '\(context.codingPath.map(\.stringValue).joined(separator: "."))' must be \(expected)")
        } catch {
            throw ConfigError("\(file): \(error)")
        }
    }
}

/// A configuration mistake, phrased for the person who made it.
public struct ConfigError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Splits "host:port" (or "[v6]:port", or ":port") into its parts.
public func parseHostPort(_ text: String, defaultHost: String = "0.0.0.0") throws -> (host: String, port: Int) {
    var host = defaultHost
    var portText = text
    if text.hasPrefix("[") , let close = text.firstIndex(of: "]") {
        host = String(text[text.index(after: text.startIndex)..<close])
        portText = String(text[text.index(after: close)...].dropFirst())
    } else if let colon = text.lastIndex(of: ":") {
        let h = String(text[..<colon])
        if !h.isEmpty { host = h }
        portText = String(text[text.index(after: colon)...])
    }
    guard let port = Int(portText), (0...65535).contains(port) else {
        throw ConfigError("'\(text)' is not HOST:PORT with a port from 0 to 65535")
    }
    return (host, port)
}
