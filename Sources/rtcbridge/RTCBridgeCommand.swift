import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Runtime
import Server

@main
struct RTCBridgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rtcbridge",
        abstract: "A media gateway: RTP, files and more in; WebRTC (WHEP) out.",
        subcommands: [Serve.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway. With no options it serves the embedded demo at http://127.0.0.1:8889/demo/.")

    @Option(name: .long, help: "YAML configuration file.")
    var config: String?

    @Option(name: .customLong("path"), help: ArgumentHelp("A path and its source: NAME=SOURCE, SOURCE is 'demo' or an .sdp file.", valueName: "NAME=SOURCE"))
    var paths: [String] = []

    @Option(name: .long, help: ArgumentHelp("HTTP listen address (WHEP, player, API).", valueName: "HOST:PORT"))
    var http: String?

    @Option(name: .customLong("webrtc-udp"), help: ArgumentHelp("UDP port shared by all WebRTC sessions.", valueName: "PORT"))
    var webRTCUDP: Int?

    @Option(name: .customLong("ice-host"), help: ArgumentHelp("Address to advertise as ICE host candidate (repeatable; default: all interfaces).", valueName: "IP"))
    var iceHosts: [String] = []

    @Option(name: .long, help: "Bearer token WHEP clients must present.")
    var token: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown log level '\(logLevel)'") }
        for p in paths where !p.contains("=") { throw ValidationError("--path '\(p)' is not NAME=SOURCE") }
        if let port = webRTCUDP, !(0...65535).contains(port) { throw ValidationError("--webrtc-udp \(port) is not a port") }
    }

    func run() async throws {
        var logger = Logger(label: "rtcbridge")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let (gatewayConfig, httpSettings): (GatewayConfiguration, HTTPSettings)
        do { (gatewayConfig, httpSettings) = try makeConfiguration() } catch {
            throw ValidationError("\(error)")
        }

        let gateway = Gateway(configuration: gatewayConfig, logger: logger)
        do { try await gateway.start() } catch {
            logger.critical("cannot start: \(error)")
            await gateway.stop()
            throw ExitCode(1)
        }
        let http = try GatewayHTTP(gateway: gateway, settings: httpSettings, logger: logger)
        let udpPort = gateway.udpPort
        let pathNames = gatewayConfig.paths.map(\.name)
        let app = Application(
            router: http.makeRouter(),
            configuration: .init(address: .hostname(httpSettings.host, port: httpSettings.port), serverName: "rtcbridge"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? httpSettings.port
                let shownHost = httpSettings.host == "0.0.0.0" ? "127.0.0.1" : httpSettings.host
                var lines = pathNames.map { "rtcbridge: open http://\(shownHost):\(port)/\($0)/ to watch '\($0)'" }
                lines.append("rtcbridge ready http=http://\(shownHost):\(port) webrtc-udp=\(udpPort)")
                // Written straight to fd 1 so the ready line is never stuck in a buffer.
                FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            },
            logger: logger)
        do {
            try await app.runService()
        } catch {
            logger.error("HTTP server stopped: \(error)")
        }
        logger.info("shutting down")
        await gateway.stop()
    }

    /// Merges defaults, the YAML file and flags (flags win).
    func makeConfiguration() throws -> (GatewayConfiguration, HTTPSettings) {
        var gw = GatewayConfiguration()
        var http = HTTPSettings()
        var pathList: [(String, String)] = []
        if let config {
            let file = try ConfigFile.load(from: config)
            if let address = file.http?.address { (http.host, http.port) = try parseHostPort(address) }
            if let origins = file.http?.corsOrigins { http.corsOrigins = origins }
            http.bearerToken = file.http?.token
            if let servers = file.http?.iceServers { http.iceServers = servers }
            if let max = file.http?.maxOfferBytes { http.maxOfferBytes = max }
            if let port = file.webrtc?.udpPort { gw.webRTCUDPPort = port }
            if let bind = file.webrtc?.bindHost { gw.webRTCBindHost = bind }
            if let hosts = file.webrtc?.iceHosts { gw.iceHostAddresses = hosts }
            for (name, entry) in (file.paths ?? [:]).sorted(by: { $0.key < $1.key }) { pathList.append((name, entry.source)) }
        }
        for p in paths {
            guard let (name, source) = p.splitOnce("=") else { throw ConfigError("--path '\(p)' is not NAME=SOURCE") }
            pathList.removeAll { $0.0 == String(name) }
            pathList.append((String(name), String(source)))
        }
        if pathList.isEmpty { pathList = [("demo", "demo")] }
        gw.paths = try pathList.map { name, source in (name, try SourceSpec(parsing: source)) }
        if let address = self.http { (http.host, http.port) = try parseHostPort(address) }
        if let port = webRTCUDP { gw.webRTCUDPPort = port }
        if !iceHosts.isEmpty { gw.iceHostAddresses = iceHosts }
        if let token { http.bearerToken = token }
        return (gw, http)
    }
}
