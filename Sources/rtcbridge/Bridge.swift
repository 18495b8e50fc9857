import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Runtime
import Server
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// `rtcbridge bridge SOURCE TARGET…`: one Gateway path fed by SOURCE and sent to each TARGET
/// (WHIP push, plain RTP, a recording file) until Ctrl-C/SIGTERM (exit 0, WHIP DELETE sent,
/// files finalized) or a target fails for good (exit 1 with the reason on one line).
struct Bridge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bridge one source to one or more targets until Ctrl-C.",
        discussion: """
            SOURCE: anything --path accepts (demo, an .sdp file, rtsp://, udp+mpegts://, a media file, whep://).
            TARGET: whip:// or whips:// (?token= for a bearer token), rtp://HOST:PORT, or a file (.mp4, .ivf, .ogg).
            Example: rtcbridge bridge rtsp://cam/stream whips://media.example/live/whip?token=T door.mp4
            """)

    @Argument(help: ArgumentHelp("What to read: demo, FILE.sdp, rtsp://…, udp+mpegts://…, a media file, whep://…", valueName: "SOURCE"))
    var source: String

    @Argument(help: ArgumentHelp("Where to send it: whip://…, whips://…, rtp://HOST:PORT, or FILE.mp4|.ivf|.ogg.", valueName: "TARGET"))
    var targets: [String] = []

    @Option(name: .long, help: ArgumentHelp("Also serve the path over HTTP (WHEP player, API) on this address (default: no HTTP server).", valueName: "HOST:PORT"))
    var http: String?

    @Flag(name: .long, help: "Print a progress line each second even when stdout is not a terminal.")
    var progress = false

    @Option(name: .customLong("shutdown-timeout"), help: ArgumentHelp("How long the drain after Ctrl-C may take (default 5).", valueName: "SECONDS"))
    var shutdownTimeout: Double?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning (default), error, critical.")
    var logLevel: String = "warning"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown log level '\(logLevel)'") }
        do {
            let arguments = try BridgeArguments(source: source, targets: targets)
            try arguments.checkFiles()
            _ = try options(arguments).resolve()
        } catch { throw ValidationError("\(error)") }
    }

    func options(_ arguments: BridgeArguments) -> ServeOptions {
        var options = arguments.serveOptions()
        options.http = http
        options.shutdownTimeout = shutdownTimeout
        return options
    }

    /// Why the bridge ends.
    enum End: Sendable { case signal(String), failed(String) }

    func run() async throws {
        LogFormat.text.bootstrap()
        var logger = Logger(label: "rtcbridge")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
        let arguments: BridgeArguments
        let config: GatewayConfiguration
        let httpSettings: HTTPSettings
        do {
            arguments = try BridgeArguments(source: source, targets: targets)
            (config, httpSettings) = try options(arguments).resolve()
        } catch { throw ValidationError("\(error)") }

        do { try arguments.prepareFiles() } catch { Self.fail("\(error)") }
        let (ends, endContinuation) = AsyncStream.makeStream(of: End.self, bufferingPolicy: .bufferingOldest(1))
        let gateway = Gateway(configuration: config, logger: logger)
        gateway.onClientLinkGaveUp { reason in endContinuation.yield(.failed(reason)) }
        do { try await gateway.start() } catch {
            await gateway.stop()
            Self.fail("cannot start: \(error)")
        }

        let httpServer = try await startHTTP(gateway, httpSettings, logger)

        let signals = ShutdownSignals { _ in Foundation.exit(2) }
        Task {
            if let number = await signals.first() { endContinuation.yield(.signal(ShutdownSignals.name(number))) }
        }
        let progressTask = progress || isatty(STDOUT_FILENO) == 1 ? Task { await Self.printProgress(gateway) } : nil
        FileHandle.standardError.write(Data("rtcbridge bridge: \(arguments.source.contains("token=") ? "source" : arguments.source) → \(arguments.targets.map(\.description).joined(separator: ", "))\n".utf8))

        var iterator = ends.makeAsyncIterator()
        let end = await iterator.next() ?? .signal("end")
        progressTask?.cancel()
        if case .signal(let name) = end { logger.info("\(name): shutting down") }
        let drained = await gateway.drain(timeout: config.shutdownTimeout) {
            await httpServer?.services.triggerGracefulShutdown()
            _ = await httpServer?.server.result
        }
        do { try arguments.finishFiles() } catch { Self.fail("cannot finish the recording: \(error)") }
        if case .failed(let reason) = end { Self.fail(reason) }
        if !drained { throw ExitCode(1) }
    }

    /// The HTTP server (WHEP, player, API) when `--http` is given.
    func startHTTP(_ gateway: Gateway, _ settings: HTTPSettings, _ logger: Logger) async throws
        -> (services: ServiceGroup, server: Task<Void, any Error>)? {
        guard http != nil else { return nil }
        let authorizer = try await GatewayAuthorizer.make(settings, logger: logger)
        let router = try GatewayHTTP(gateway: gateway, settings: settings, logger: logger, authorizer: authorizer).makeRouter()
        let app = Application(router: router,
                              configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "rtcbridge"),
                              logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        return (group, Task { try await group.run() })
    }

    /// One progress line a second on stdout until cancelled.
    static func printProgress(_ gateway: Gateway) async {
        var progress = BridgeProgress()
        var previous = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            guard !Task.isCancelled else { break }
            let snapshot = await BridgeProgress.snapshot(of: gateway)
            let now = ContinuousClock.now
            let elapsed = now - previous
            previous = now
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let line = progress.line(snapshot, seconds: seconds)
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
    }

    /// The reason on one line (stderr), exit status 1.
    static func fail(_ reason: String) -> Never {
        FileHandle.standardError.write(Data("rtcbridge bridge: \(reason)\n".utf8))
        Foundation.exit(1)
    }
}
