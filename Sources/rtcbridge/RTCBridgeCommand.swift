import ArgumentParser
import ControlAPI
import Foundation
import Hummingbird
import Logging
import Runtime
import Server
import ServiceLifecycle

@main
struct RTCBridgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rtcbridge",
        abstract: "A media gateway: RTP, files and more in; WebRTC (WHEP) out.",
        subcommands: [Serve.self, Bridge.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway. With no options it serves the embedded demo at http://127.0.0.1:8889/demo/.")

    @Option(name: .long, help: "YAML configuration file.")
    var config: String?

    @Option(name: .customLong("path"), help: ArgumentHelp("A path and its source: NAME=SOURCE, SOURCE is 'demo', an .sdp file, or a remote whep:// (wheps://) endpoint to pull.", valueName: "NAME=SOURCE"))
    var paths: [String] = []

    @Option(name: .long, help: ArgumentHelp("HTTP listen address (WHEP, player, API).", valueName: "HOST:PORT"))
    var http: String?

    @Option(name: .customLong("webrtc-udp"), help: ArgumentHelp("UDP port shared by all WebRTC sessions.", valueName: "PORT"))
    var webRTCUDP: Int?
    @Option(name: .customLong("webrtc-tcp"), help: ArgumentHelp("ICE-TCP passive (RFC 6544) on this TCP port, for viewers whose network blocks UDP (0: any free port; default off).", valueName: "PORT"))
    var webRTCTCP: Int?

    @Option(name: .customLong("ice-host"), help: ArgumentHelp("Address to advertise as ICE host candidate, with the WebRTC UDP port or its own (port forwarding, docker -p) (repeatable; default: all interfaces).", valueName: "IP[:PORT]"))
    var iceHosts: [String] = []
    @Option(name: .customLong("ice-server"), help: ArgumentHelp("STUN/TURN server for browsers (Link headers) and the gateway's server-reflexive candidate (repeatable): stun:HOST[:PORT], turn:|turns:HOST[:PORT][?transport=udp|tcp] with ,username=U,credential=P or ,secret=S[,user=U][,ttl=SECONDS] (TURN REST).", valueName: "URL[,KEY=VALUE…]"))
    var iceServers: [String] = []

    @Option(name: .long, help: "Bearer token WHEP clients must present.")
    var token: String?

    @Option(name: .customLong("cors-origin"), help: ArgumentHelp("Origin whose pages may use WHIP/WHEP from a browser (repeatable; '*' for any; default: only the gateway's own pages).", valueName: "ORIGIN"))
    var corsOrigins: [String] = []

    @Option(name: .customLong("forward"), help: ArgumentHelp("Send a path as plain RTP (and write an SDP file for receivers), or push it to a remote WHIP endpoint (whip://, whips://; ?token= for a bearer token).", valueName: "NAME=rtp://HOST:PORT|whip://HOST:PORT/PATH"))
    var forwards: [String] = []

    @Option(name: .customLong("data"), help: ArgumentHelp("Exchange UDP datagrams with the data channels of a path's WebRTC sessions: each datagram is one message to every session; their messages go back to the last sender (or reply=). format=binary sends even UTF-8 datagrams as binary.", valueName: "NAME=udp://HOST:PORT[?reply=HOST:PORT][&format=binary]"))
    var dataDevices: [String] = []

    @Option(name: .customLong("record"), help: ArgumentHelp("Record a path into DIR/NAME/. Options: format=mp4|ivf|ogg, segment=60s (1s-24h), maxBytes=10G (per path directory, K/M/G/T = powers of 1024, 1M-1024T: oldest finished segments are deleted beyond it), retain=7d (s/m/h/d, 1m-3650d: finished segments older than this are deleted).", valueName: "NAME=DIR[,format=mp4][,segment=60s][,maxBytes=10G][,retain=7d]"))
    var records: [String] = []

    @Option(name: .customLong("rtsp"), help: ArgumentHelp("RTSP server address (default 0.0.0.0:8554), or 'off'.", valueName: "HOST:PORT"))
    var rtsp: String?

    @Option(name: .customLong("shutdown-timeout"), help: ArgumentHelp("On SIGTERM/SIGINT, how long the drain may take before the process exits with status 1 (default 5, 0.1-3600).", valueName: "SECONDS"))
    var shutdownTimeout: Double?

    @Option(name: .customLong("admin-token"), help: "Bearer token of the control API (/v1/…); the API is off without one.")
    var adminToken: String?

    @Option(name: .customLong("jwt-jwks"), help: ArgumentHelp("JWKS file with the RS256/ES256 keys JWTs are checked with (each with a kid).", valueName: "FILE"))
    var jwtJWKS: String?

    @Option(name: .customLong("jwt-secret"), help: ArgumentHelp("HS256 secret for JWTs (at least 32 bytes; prefer auth.jwt.secret in the config file: the command line is visible to other users).", valueName: "SECRET"))
    var jwtSecret: String?

    @Option(name: .customLong("jwt-issuer"), help: "Required JWT 'iss' claim.")
    var jwtIssuer: String?

    @Option(name: .customLong("jwt-audience"), help: "Required JWT 'aud' claim.")
    var jwtAudience: String?

    @Option(name: .customLong("auth-webhook"), help: ArgumentHelp("URL asked about every WHIP/WHEP/API request (POST JSON; 2xx allows).", valueName: "URL"))
    var authWebhook: String?

    @Option(name: .customLong("auth-webhook-timeout"), help: ArgumentHelp("How long the webhook may take before the request is denied (default 2s).", valueName: "DURATION"))
    var authWebhookTimeout: String?

    @Flag(name: .customLong("simulcast"), help: "Accept simulcast (up to 3 layers) from WHIP publishers; viewers get the top layer.")
    var simulcast = false

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(name: .customLong("log-format"), help: "text (default) or json: one JSON object per line (also YAML log: { format: json }).")
    var logFormat: String?

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown log level '\(logLevel)'") }
        for p in paths where !p.contains("=") { throw ValidationError("--path '\(p)' is not NAME=SOURCE") }
        if let port = webRTCUDP, !(0...65535).contains(port) { throw ValidationError("--webrtc-udp \(port) is not a port") }
        do {
            _ = try options.resolve()
            _ = try options.resolveAdminToken()
            _ = try options.resolveControlAPIMaxBodyBytes()
        } catch { throw ValidationError("\(error)") }
        do { _ = try LogFormat.resolve(option: logFormat, configFile: config) } catch { throw ValidationError("\(error)") }
    }

    var options: ServeOptions {
        var options = ServeOptions()
        options.configFile = config
        options.paths = paths
        options.http = http
        options.webRTCUDPPort = webRTCUDP
        options.webRTCTCPPort = webRTCTCP
        options.iceHosts = iceHosts
        options.iceServers = iceServers
        options.token = token
        options.corsOrigins = corsOrigins
        options.forwards = forwards
        options.dataDevices = dataDevices
        options.records = records
        options.rtsp = rtsp
        options.shutdownTimeout = shutdownTimeout
        options.adminToken = adminToken
        options.auth.jwks = jwtJWKS
        options.auth.jwtSecret = jwtSecret
        options.auth.jwtIssuer = jwtIssuer
        options.auth.jwtAudience = jwtAudience
        options.auth.webhook = authWebhook
        options.auth.webhookTimeout = authWebhookTimeout
        options.simulcast = simulcast
        return options
    }

    func run() async throws {
        ((try? LogFormat.resolve(option: logFormat, configFile: config)) ?? .text).bootstrap()
        var logger = Logger(label: "rtcbridge")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let (resolvedConfig, httpSettings): (GatewayConfiguration, HTTPSettings)
        do { (resolvedConfig, httpSettings) = try options.resolve() } catch {
            throw ValidationError("\(error)")
        }
        let authorizer: GatewayAuthorizer
        do { authorizer = try await GatewayAuthorizer.make(httpSettings, logger: logger) } catch {
            throw ValidationError("\(error)")
        }
        var configured = resolvedConfig
        configured.rtspServer?.externalAuth = authorizer.rtspExternalAuth()
        let gatewayConfig = configured
        if authorizer.usesJWT, let rtsp = gatewayConfig.rtspServer, !rtsp.allowsBasic {
            logger.warning("JWT over RTSP needs Basic (rtsp: { allowBasic: true }); RTSP clients can only use users and tokens")
        }

        let gateway = Gateway(configuration: gatewayConfig, logger: logger)
        do { try await gateway.start() } catch {
            logger.critical("cannot start: \(error)")
            await gateway.stop()
            throw ExitCode(1)
        }
        let http = try GatewayHTTP(gateway: gateway, settings: httpSettings, logger: logger, authorizer: authorizer)
        let router = http.makeRouter()
        // The control API and reload (SIGHUP, POST /v1/reload) change paths through one PathControl.
        let control = PathControl(gateway: gateway, options: options, running: gatewayConfig.pathDefinitions, logger: logger,
                                  authorizer: authorizer)
        if let adminToken = try options.resolveAdminToken() {
            try ControlAPI(gateway: gateway, control: control, adminToken: adminToken,
                           maxBodyBytes: try options.resolveControlAPIMaxBodyBytes(), logger: logger).register(on: router)
            logger.info("control API on: /v1/… (admin token required)")
        } else {
            logger.info("control API off: no admin token (--admin-token or api: { adminToken: … })")
        }
        let reloadLogger = logger
        let reloadSignal = ReloadSignal {
            reloadLogger.info("SIGHUP: reloading the config file")
            Task { _ = try? await control.reload() }   // the outcome is logged by reload()
        }
        let udpPort = gateway.udpPort
        let pathNames = gatewayConfig.paths.map(\.name)
        let exposure = httpSettings.accessSummary(paths: pathNames,
                                                  publishable: gatewayConfig.paths.filter { $0.source == .publisher }.map(\.name))
        let httpLogger = logger
        let app = Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: [http.makeConnectionCapHandler()],
                                                idleTimeout: .seconds(Int64(httpSettings.idleTimeoutSeconds)))),
            configuration: .init(address: .hostname(httpSettings.host, port: httpSettings.port), serverName: "rtcbridge"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? httpSettings.port
                // What the listener exposes to whom; never a secret.
                httpLogger.info("HTTP \(httpSettings.host):\(port) — \(exposure)")
                let shownHost = httpSettings.host == "0.0.0.0" ? "127.0.0.1" : httpSettings.host
                var lines = pathNames.map { "rtcbridge: open http://\(shownHost):\(port)/\($0)/ to watch '\($0)'" }
                lines.append("rtcbridge ready http=http://\(shownHost):\(port) webrtc-udp=\(udpPort)")
                // Written straight to fd 1 so the ready line is never stuck in a buffer.
                FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            },
            logger: logger)
        // SIGTERM/SIGINT start the drain (the HTTP server ending by itself does too); a second
        // signal exits at once.
        let signals = ShutdownSignals { number in
            httpLogger.warning("\(ShutdownSignals.name(number)) again: exiting without finishing the drain")
            Foundation.exit(2)
        }
        let services = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let server = Task { try await services.run() }
        Task {
            do { try await server.value } catch {
                httpLogger.error("HTTP server stopped: \(error)")
            }
            signals.finish()
        }
        let reason = await signals.first().map(ShutdownSignals.name) ?? "HTTP server stopped"
        logger.info("\(reason): shutting down")
        let drained = await gateway.drain(timeout: gatewayConfig.shutdownTimeout) {
            await services.triggerGracefulShutdown()   // the listener closes; requests under way finish
            _ = await server.result
        }
        withExtendedLifetime(reloadSignal) {}
        if !drained { throw ExitCode(1) }
    }
}
