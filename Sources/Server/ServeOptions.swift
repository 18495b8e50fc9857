import ICE
import Egress
import Foundation
import RTCBase
import Recording
import RTSP
import Runtime

/// What `rtcbridge serve` was given on the command line; `resolve()` merges it with the YAML
/// file and the defaults (flags win over the file, the file over defaults).
public struct ServeOptions: Sendable {
    public var configFile: String?
    public var paths: [String] = []
    public var http: String?
    public var webRTCUDPPort: Int?
    public var iceHosts: [String] = []
    public var token: String?
    /// Origins allowed to call WHIP/WHEP from a browser (repeatable; "*" for any).
    public var corsOrigins: [String] = []
    /// `NAME=rtp://HOST:PORT` (repeatable).
    public var forwards: [String] = []
    /// `NAME=udp://HOST:PORT[?reply=HOST:PORT]` data devices (repeatable).
    public var dataDevices: [String] = []
    /// `NAME=DIR` (repeatable).
    public var records: [String] = []
    /// RTSP server address "HOST:PORT", or "off".
    public var rtsp: String?
    /// Seconds the drain on SIGTERM/SIGINT may take (`--shutdown-timeout`).
    public var shutdownTimeout: Double?
    /// The control API's admin token (`--admin-token`); see `ServeOptions+Control`.
    public var adminToken: String?
    /// `--webrtc-tcp PORT`: ICE-TCP passive on that TCP port (0: any free one).
    public var webRTCTCPPort: Int?
    /// `--ice-server URL[,key=value]…` (repeatable; replaces the file's `http.iceServers`).
    public var iceServers: [String] = []
    /// `--jwt-*`, `--auth-webhook*` (see `AuthOptions`).
    public var auth = AuthOptions()
    /// `--simulcast`: accept simulcast from WHIP publishers (also `webrtc.simulcast`).
    public var simulcast = false

    public init() {}

    public func resolve() throws -> (GatewayConfiguration, HTTPSettings) {
        var gateway = GatewayConfiguration()
        var http = HTTPSettings()
        var pathList: [(String, String)] = []
        var rtspOptions: [String: ConfigFile.PathEntry] = [:]
        var rtspServerOptions: (file: String, options: ConfigFile.RTSP)?
        if let configFile {
            let file = try ConfigFile.load(from: configFile)
            if let address = file.http?.address { (http.host, http.port) = try parseHostPort(address) }
            if let origins = file.http?.corsOrigins { http.corsOrigins = origins }
            http.bearerToken = file.http?.token
            if let servers = file.http?.iceServers { http.iceServers = try Self.iceServers(servers, "\(configFile): http.iceServers") }
            /// Sets `target` from a count in the file that must be positive when given.
            func positive(_ value: Int?, _ key: String, into target: inout Int) throws {
                guard let value else { return }
                guard value > 0 else { throw ConfigError("\(configFile): \(key) must be positive") }
                target = value
            }
            func within(_ value: Int?, _ range: ClosedRange<Int>, _ key: String, into target: inout Int) throws {
                guard let value else { return }
                guard range.contains(value) else {
                    throw ConfigError("\(configFile): \(key) must be from \(range.lowerBound) to \(range.upperBound)")
                }
                target = value
            }
            try positive(file.http?.maxOfferBytes, "http.maxOfferBytes", into: &http.maxOfferBytes)
            try positive(file.http?.maxConnections, "http.maxConnections", into: &http.maxConnections)
            try positive(file.http?.idleTimeout, "http.idleTimeout", into: &http.idleTimeoutSeconds)
            try within(file.metrics?.maxSessionSeries, 0...1_000_000, "metrics.maxSessionSeries", into: &http.maxSessionSeries)
            try positive(file.webrtc?.maxSessions, "webrtc.maxSessions", into: &gateway.maxWebRTCSessions)
            try positive(file.webrtc?.maxSessionsPerClient, "webrtc.maxSessionsPerClient",
                         into: &gateway.maxWebRTCSessionsPerClient)
            try within(file.webrtc?.sendBufferBytes, GatewayConfiguration.webRTCSendBufferRange, "webrtc.sendBufferBytes", into: &gateway.webRTCSendBufferBytes)
            try within(file.webrtc?.opusBitrate, GatewayConfiguration.opusBitrateRange, "webrtc.opusBitrate", into: &gateway.opusBitrate)
            try within(file.webrtc?.maxPublishBitrate, GatewayConfiguration.maxPublishBitrateRange, "webrtc.maxPublishBitrate", into: &gateway.maxPublishBitrate)
            try within(file.webrtc?.maxMessageSize, GatewayConfiguration.dataChannelMessageSizeRange, "webrtc.maxMessageSize", into: &gateway.dataChannelMaxMessageSize)
            if let port = file.webrtc?.udpPort {
                guard (0...65535).contains(port) else { throw ConfigError("\(configFile): webrtc.udpPort \(port) is not a port") }
                gateway.webRTCUDPPort = port
            }
            if let bind = file.webrtc?.bindHost { gateway.webRTCBindHost = bind }
            try Self.applyTCP(file.webrtc, to: &gateway.webRTCTCP, file: configFile)
            if let text = file.webrtc?.stunRefresh {
                gateway.serverReflexive.refreshInterval = try Self.stunRefresh(text, "\(configFile): webrtc.stunRefresh")
            }
            if let simulcast = file.webrtc?.simulcast { gateway.simulcast = simulcast }
            try within(file.webrtc?.simulcastMaxLayers, GatewayConfiguration.simulcastMaxLayersRange,
                       "webrtc.simulcastMaxLayers", into: &gateway.simulcastMaxLayers)
            if let seconds = file.shutdownTimeout {
                gateway.shutdownTimeout = try Self.shutdownTimeout(seconds, "\(configFile): shutdownTimeout")
            }
            if let hosts = file.webrtc?.iceHosts {
                gateway.iceHostAddresses = try hosts.map { host in
                    do { return try ICEAdvertisedAddress(parsing: host) } catch {
                        throw ConfigError("\(configFile): webrtc.iceHosts: \(error)")
                    }
                }
            }
            if let section = file.auth { try Self.apply(section, to: &http.auth, file: configFile) }
            if let address = file.rtsp?.address { gateway.rtspServer = try Self.rtspServer(address) }
            if let options = file.rtsp { rtspServerOptions = (configFile, options) }
            // Relative source files in a config file are relative to the file's folder.
            let folder = URL(fileURLWithPath: configFile).deletingLastPathComponent()
            for (name, entry) in (file.paths ?? [:]).sorted(by: { $0.key < $1.key }) {
                for target in entry.forward ?? [] { try gateway.addForward(path: name, target: target) }
                if let data = entry.data { gateway.dataDevices.append((name, try DataUDPSpec(parsing: data))) }
                if let record = entry.record { gateway.recordings.append((name, try RecordSpec(parsing: record))) }
                rtspOptions[name] = entry
                if entry.allowTakeover == true { gateway.takeoverPaths.insert(name) }
                if entry.publishToken != nil || entry.readToken != nil {
                    http.pathTokens[name] = PathTokens(publish: entry.publishToken, read: entry.readToken)
                }
                var source = entry.source
                if source.hasSuffix(".sdp") || SourceSpec.files(source) != nil {
                    source = source.split(separator: "+").map { part in
                        part.hasPrefix("/") ? String(part) : folder.appendingPathComponent(String(part)).standardizedFileURL.path
                    }.joined(separator: "+")
                }
                pathList.append((name, source))
            }
        }
        for p in paths {
            guard let (name, source) = p.splitOnceAtEquals() else { throw ConfigError("--path '\(p)' is not NAME=SOURCE") }
            pathList.removeAll { $0.0 == name }
            pathList.append((name, source))
        }
        if pathList.isEmpty { pathList = [("demo", "demo")] }
        if let rtsp { gateway.rtspServer = try Self.rtspServer(rtsp) }
        if var settings = gateway.rtspServer, let (file, options) = rtspServerOptions {
            try Self.apply(options, to: &settings, file: file)
            gateway.rtspServer = settings
        }
        for (name, entry) in rtspOptions where entry.readUsers != nil || entry.publishUsers != nil {
            guard gateway.rtspServer != nil else { throw ConfigError("path '\(name)': readUsers/publishUsers need the RTSP server on") }
            try gateway.rtspServer?.setUsers(path: name, read: entry.readUsers ?? [], publish: entry.publishUsers ?? [])
        }
        gateway.paths = try pathList.map { name, text in
            // `publisher,takeover`: a new WHIP publisher replaces the current one.
            var source = text
            if text == "publisher,takeover" {
                source = "publisher"
                gateway.takeoverPaths.insert(name)
            }
            var spec = try SourceSpec(parsing: source)
            if case .rtsp(var rtsp) = spec, let entry = rtspOptions[name] {
                try rtsp.apply(transport: entry.rtspTransport, onDemand: entry.onDemand, closeAfter: entry.onDemandCloseAfter)
                spec = .rtsp(rtsp)
            }
            var files: [String] = []
            if case .rtpSDPFile(let file) = spec { files = [file] }
            if case .files(let video, let audio) = spec { files = [video, audio].compactMap { $0 } }
            for file in files where !FileManager.default.isReadableFile(atPath: file) {
                throw ConfigError("path '\(name)': file \(file) does not exist or cannot be read")
            }
            return (name, spec)
        }
        if let address = self.http { (http.host, http.port) = try parseHostPort(address) }
        if let port = webRTCUDPPort {
            guard (0...65535).contains(port) else { throw ConfigError("--webrtc-udp \(port) is not a port") }
            gateway.webRTCUDPPort = port
        }
        if !iceHosts.isEmpty {
            gateway.iceHostAddresses = try iceHosts.map { host in
                do { return try ICEAdvertisedAddress(parsing: host) } catch { throw ConfigError("--ice-host \(error)") }
            }
        }
        if let shutdownTimeout { gateway.shutdownTimeout = try Self.shutdownTimeout(shutdownTimeout, "--shutdown-timeout") }
        if let token { http.bearerToken = token }
        if !iceServers.isEmpty { http.iceServers = try Self.iceServers(iceServers, "--ice-server") }
        if let port = webRTCTCPPort {
            guard (0...65535).contains(port) else { throw ConfigError("--webrtc-tcp \(port) is not a port") }
            gateway.webRTCTCP.port = port
        }
        gateway.iceServers = http.iceServers
        if simulcast { gateway.simulcast = true }
        try auth.apply(to: &http.auth)
        if !corsOrigins.isEmpty { http.corsOrigins = corsOrigins }
        // The tokens protect RTSP too: presented as the Digest password, with any user name.
        if var settings = gateway.rtspServer {
            settings.token = http.bearerToken
            for (name, tokens) in http.pathTokens {
                settings.setTokens(path: name, .init(read: tokens.read, publish: tokens.publish))
            }
            gateway.rtspServer = settings
        }
        for f in forwards {
            guard let (name, target) = f.splitOnceAtEquals() else { throw ConfigError("--forward '\(f)' is not NAME=rtp://HOST:PORT or NAME=whip://HOST:PORT/PATH") }
            try gateway.addForward(path: name, target: target)
        }
        for d in dataDevices {
            guard let (name, target) = d.splitOnceAtEquals() else { throw ConfigError("--data '\(d)' is not NAME=udp://HOST:PORT") }
            gateway.dataDevices.removeAll { $0.path == name }
            gateway.dataDevices.append((name, try DataUDPSpec(parsing: target)))
        }
        for r in records {
            guard let (name, target) = r.splitOnceAtEquals() else { throw ConfigError("--record '\(r)' is not NAME=DIR") }
            gateway.recordings.append((name, try RecordSpec(parsing: target)))
        }
        return (gateway, http)
    }
}

extension ServeOptions {
    /// A drain timeout in seconds, within `GatewayDrain.timeoutRange`.
    static func shutdownTimeout(_ seconds: Double, _ name: String) throws -> Duration {
        let range = GatewayDrain.timeoutRange
        guard seconds.isFinite, range.contains(seconds) else {
            throw ConfigError("\(name) \(seconds) must be from \(range.lowerBound) to \(range.upperBound) seconds")
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// "off" turns the RTSP server off; otherwise "HOST:PORT" (or ":PORT").
    static func rtspServer(_ text: String) throws -> RTSPServerSettings? {
        if text == "off" { return nil }
        var settings = RTSPServerSettings()
        (settings.host, settings.port) = try parseHostPort(text)
        return settings
    }

    /// The `rtsp:` section's limits and authentication options.
    static func apply(_ options: ConfigFile.RTSP, to settings: inout RTSPServerSettings, file: String) throws {
        func duration(_ text: String?, _ key: String) throws -> Duration? {
            guard let text else { return nil }
            guard let value = Duration(configText: text), value > .zero else {
                throw ConfigError("\(file): rtsp.\(key) '\(text)' is not a positive duration like \"20s\"")
            }
            return value
        }
        func positive(_ value: Int?, _ key: String) throws -> Int? {
            guard let value else { return nil }
            guard value > 0 else { throw ConfigError("\(file): rtsp.\(key) must be positive") }
            return value
        }
        if let allow = options.allowBasic { settings.allowsBasic = allow }
        if let value = try duration(options.nonceLifetime, "nonceLifetime") { settings.nonceLifetime = value }
        if let value = try duration(options.idleTimeout, "idleTimeout") { settings.idleTimeout = value }
        if let value = try duration(options.sessionTimeout, "sessionTimeout") { settings.sessionTimeout = value }
        if let value = try positive(options.maxConnections, "maxConnections") { settings.maxConnections = value }
        if let value = try positive(options.maxConnectionsPerClient, "maxConnectionsPerClient") { settings.maxConnectionsPerClient = value }
        if let value = try positive(options.maxNoncesPerConnection, "maxNoncesPerConnection") { settings.maxNoncesPerConnection = value }
        if let value = try positive(options.maxQueuedWriteBytes, "maxQueuedWriteBytes") { settings.maxQueuedWriteBytes = value }
        try applyParserLimits(options, to: &settings, file: file)
    }

    /// The `rtsp:` section's parser caps and request queue, each within a range that keeps the
    /// server usable (one socket read, 64 KiB, must fit the buffer; a body or frame at its cap too).
    static func applyParserLimits(_ options: ConfigFile.RTSP, to settings: inout RTSPServerSettings, file: String) throws {
        func ranged(_ value: Int?, _ key: String, _ range: ClosedRange<Int>, _ apply: (Int) -> Void) throws {
            guard let value else { return }
            guard range.contains(value) else {
                throw ConfigError("\(file): rtsp.\(key) is \(value); it must be from \(range.lowerBound) to \(range.upperBound)")
            }
            apply(value)
        }
        let mebibyte = 1 << 20
        try ranged(options.maxHeaderLines, "maxHeaderLines", 8...1024) { settings.limits.maxHeaderLines = $0 }
        try ranged(options.maxHeaderLineBytes, "maxHeaderLineBytes", 256...mebibyte) { settings.limits.maxHeaderLineBytes = $0 }
        try ranged(options.maxStartLineBytes, "maxStartLineBytes", 64...mebibyte) { settings.limits.maxStartLineBytes = $0 }
        try ranged(options.maxURLBytes, "maxURLBytes", 32...mebibyte) { settings.limits.maxURLBytes = $0 }
        try ranged(options.maxBodyBytes, "maxBodyBytes", 1024...(16 * mebibyte)) { settings.limits.maxBodyBytes = $0 }
        try ranged(options.maxInterleavedFrameBytes, "maxInterleavedFrameBytes", 1500...65536) {
            settings.limits.maxInterleavedFrameBytes = $0
        }
        try ranged(options.maxBufferedBytes, "maxBufferedBytes", 65536...(64 * mebibyte)) { settings.limits.maxBufferedBytes = $0 }
        try ranged(options.maxQueuedRequests, "maxQueuedRequests", 1...1024) { settings.maxQueuedRequests = $0 }
        let limits = settings.limits
        let largest = max(limits.maxBodyBytes + limits.maxStartLineBytes, limits.maxInterleavedFrameBytes + 4)
        guard limits.maxBufferedBytes >= largest else {
            throw ConfigError("\(file): rtsp.maxBufferedBytes (\(limits.maxBufferedBytes)) must be at least \(largest): "
                + "a request with a body of maxBodyBytes (\(limits.maxBodyBytes)) or an interleaved frame of "
                + "maxInterleavedFrameBytes (\(limits.maxInterleavedFrameBytes)) has to fit")
        }
    }
}

extension String {
    /// "NAME=SOURCE" split at the first "="; nil when either side is empty.
    func splitOnceAtEquals() -> (String, String)? {
        guard let index = firstIndex(of: "=") else { return nil }
        let name = String(self[..<index]), value = String(self[index...].dropFirst())
        guard !name.isEmpty, !value.isEmpty else { return nil }
        return (name, value)
    }
}
