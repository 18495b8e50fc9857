import Ingest
import Logging
import NIOCore
import NIOPosix
import RTCBase
import RTSP
import Routing

/// Pulls one RTSP camera into a path (RFC 2326 client): drives a sans-IO `RTSPClientSession` over
/// a NIO TCP connection, receives RTP over UDP port pairs or interleaved on the connection, and
/// publishes access units. Reconnects with exponential backoff and jitter after any failure; the
/// path's publisher is detached meanwhile, so viewers stay connected and resume on the next
/// keyframe. With `onDemand` it connects only while the path has readers.
///
/// Every mutable field is touched only on `eventLoop` (TCP and UDP channels live on it too).
public final class RTSPSource: @unchecked Sendable {
    public let pathName: String
    let spec: RTSPSourceSpec
    let path: Path
    let eventLoop: any EventLoop
    let logger: Logger
    /// Timing of the failure handling (seconds), adjustable for tests.
    var timing = Timing()
    var random = SystemRandomNumberGenerator()

    struct Timing {
        /// Automatic transport: switch to TCP when no UDP media arrived this long after PLAY.
        var udpMediaTimeout: Duration = .seconds(3)
        /// No media for this long while playing: the stream is dead, reconnect.
        var deadStreamTimeout: Duration = .seconds(5)
        /// RTCP receiver report interval.
        var reportInterval: Duration = .seconds(5)
        /// A stream that played this long resets the backoff.
        var backoffResetAfter: Duration = .seconds(10)
        /// How long `awaitPublisher` waits for a demanded on-demand source.
        var demandTimeout: Duration = .seconds(10)
    }

    // Connection attempt
    var session: RTSPClientSession?
    var parser = RTSPStreamParser()
    var connection: (any Channel)?
    /// Bumped for every TCP connection and every teardown; callbacks of older ones are ignored.
    var connectionID = 0
    /// Drives the current connection's client session (cancelled when the connection goes).
    let sessionDriver: EngineDriver
    var retryTimer: Scheduled<Void>?
    var backoff = RTSPSourceBackoff()
    var attempts = 0
    var stopped = false

    // Media
    var tracks: [RTSPSourceTrack] = []
    var publisher: PublisherToken?
    var playingSince: Instant?
    var lastMediaAt: Instant = .zero
    var lastReportAt: Instant = .zero
    var udpMediaSeen = false
    var mediaTimer: RepeatedTask?
    let localSSRC = SecureRandom.uint32()
    var loggedNotices: Set<String> = []

    // On demand
    var readers = 0
    var idleTimer: Scheduled<Void>?
    var readyWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
    var nextWaiterID = 0

    public init(pathName: String, spec: RTSPSourceSpec, router: Router, eventLoop: any EventLoop, logger: Logger) throws {
        self.pathName = pathName
        self.spec = spec
        self.path = try router.path(named: pathName) ?? router.createPath(named: pathName)
        self.eventLoop = eventLoop
        var logger = logger
        logger[metadataKey: "path"] = "\(pathName)"
        logger[metadataKey: "camera"] = "\(spec.url.redacted)"
        self.logger = logger
        self.sessionDriver = EngineDriver(eventLoop: eventLoop)
        sessionDriver.onTimeout { [weak self] now in
            guard let self else { return }
            self.session?.handleTimeout(now: now)
            self.drain()
        }
    }

    /// Connects now, or (on demand) registers for the path's reader count.
    public func start() {
        if spec.onDemand {
            path.setDemandHandler { [weak self] in await self?.demand() }
            logger.info("RTSP source on demand: connects when the first reader arrives",
                        metadata: ["closeAfter": "\(RTSPSourceSpec.format(spec.closeAfter))"])
            path.observeReaders { [weak self] count in
                guard let self else { return }
                self.eventLoop.execute { self.readersChanged(count) }
            }
        } else {
            eventLoop.execute { self.connect() }
        }
    }

    /// TEARDOWN (best effort), close everything, detach from the path.
    public func stop() async {
        path.setDemandHandler(nil)
        try? await eventLoop.submit {
            self.stopped = true
            self.retryTimer?.cancel()
            self.retryTimer = nil
            self.idleTimer?.cancel()
            self.disconnect(reason: nil)
            self.resumeReadyWaiters()
        }.get()
    }

    /// Whether an attempt is running or a retry is scheduled.
    var isActive: Bool { session != nil || retryTimer != nil }

    // MARK: - Attempts (on eventLoop)

    func connect() {
        guard !stopped, session == nil else { return }
        retryTimer = nil
        attempts += 1
        let configuration = RTSPClientConfiguration(url: spec.url, transport: spec.transport)
        session = RTSPClientSession(configuration: configuration)
        logger.info("RTSP source connecting", metadata: ["attempt": "\(attempts)",
                                                          "transport": "\(RTSPSourceSpec.name(of: spec.transport))"])
        openConnection(to: configuration.url)
    }

    /// Opens the TCP connection of the current session to `url` and starts the session on it.
    func openConnection(to url: RTSPURL) {
        connectionID += 1
        let id = connectionID
        parser = RTSPStreamParser()
        let host = url.host, port = Int(url.effectivePort)
        ClientBootstrap(group: eventLoop)
            .connectTimeout(.seconds(5))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = RTSPSourceConnectionHandler(
                        onBytes: { [self] buffer in received(buffer, connection: id) },
                        onClosed: { [self] in connectionClosed(id) })
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(host: host, port: port)
            .hop(to: eventLoop)
            .whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    guard id == connectionID, session != nil else { channel.close(promise: nil); return }
                    connection = channel
                    session?.start(now: RuntimeClock.now())
                    drain()
                case .failure(let error):
                    guard id == connectionID, session != nil else { return }
                    attemptFailed("cannot connect to \(host):\(port) (\(error))")
                }
            }
    }

    func received(_ buffer: ByteBuffer, connection id: Int) {
        guard id == connectionID, session != nil else { return }
        let now = RuntimeClock.now()
        do {
            try parser.feed(buffer.readableBytesView)
            while let item = try parser.next() {
                if case .interleaved(let channel, let payload) = item, let route = session?.route(channel: channel) {
                    // Hot path: media frames skip the session's output queue.
                    if route.isRTCP {
                        receiveRTCP(payload, track: route.track, now: now)
                    } else {
                        receiveRTP(payload, track: route.track, from: nil, now: now)
                    }
                } else {
                    session?.handle(item, now: now)
                }
            }
        } catch {
            session?.connectionClosed(now: now, error: error)
        }
        drain()
    }

    func connectionClosed(_ id: Int) {
        guard id == connectionID else { return }
        connection = nil
        session?.connectionClosed(now: RuntimeClock.now())
        drain()
    }

    /// Performs the session's outputs until it asks to be woken at an instant.
    func drain() {
        sessionDriver.drainAndArm({ session?.poll() }, deadline: { output in
            if case .timeout(let deadline) = output { deadline } else { nil }
        }) { output in
            switch output {
            case .send(let request): write(request.serialized())
            case .sendResponse(let response): write(response.serialized())
            case .event(let event): handle(event)
            case .timeout: break
            }
        }
    }

    func write(_ bytes: [UInt8]) {
        guard let connection else { return }
        connection.writeAndFlush(connection.allocator.buffer(bytes: bytes), promise: nil)
    }

    func handle(_ event: RTSPClientEvent) {
        switch event {
        case .reconnect(let url):
            let toTCP = session?.usesTCP == true && tracks.contains { if case .udp = $0.transport { true } else { false } }
            logger.info(toTCP ? "RTSP source switching to TCP" : "RTSP source reconnecting",
                        metadata: ["url": "\(url.redacted)"])
            closeMedia()
            closeConnection()
            openConnection(to: url)
        case .described(_, let described):
            describe(described)
        case .needUDPPorts(let track):
            bindPorts(track: track)
        case .playing(let playback):
            play(playback)
        case .rtp(let track, let payload):
            receiveRTP(payload, track: track, from: nil, now: RuntimeClock.now())
        case .rtcp(let track, let payload):
            receiveRTCP(payload, track: track, now: RuntimeClock.now())
        case .closed:
            disconnect(reason: nil)
        case .failed(let error):
            attemptFailed(error.description)
        }
    }

    /// Logs the failure, drops the attempt and schedules the next one.
    func attemptFailed(_ reason: String) {
        let now = RuntimeClock.now()
        if let since = playingSince, now - since >= timing.backoffResetAfter { backoff.reset() }
        disconnect(reason: reason)
        guard !stopped, !spec.onDemand || readers > 0 || idleTimer != nil else {
            logger.error("RTSP source failed: \(reason)")
            return
        }
        let delay = backoff.nextDelay(using: &random)
        logger.error("RTSP source failed: \(reason); retry in \(Self.seconds(delay)) s",
                     metadata: ["attempt": "\(attempts)"])
        retryTimer = eventLoop.scheduleTask(in: .nanoseconds(Int64(clamping: delay.nanosecondsClamped))) { [self] in
            retryTimer = nil
            connect()
        }
    }

    /// Ends the current attempt: TEARDOWN when `reason` is nil and a session plays, then closes
    /// the connection and the UDP sockets and detaches the publisher.
    func disconnect(reason: String?) {
        var teardown: [UInt8] = []
        if reason == nil, var closing = session, connection != nil {
            closing.close(now: RuntimeClock.now())
            while case .send(let request) = closing.poll() { teardown += request.serialized() }
        }
        let channel = teardown.isEmpty ? nil : connection
        if channel != nil { connection = nil }
        session = nil
        closeMedia()
        closeConnection()
        // Written after the state is gone: closing the channel may call back synchronously.
        if let channel {
            channel.writeAndFlush(channel.allocator.buffer(bytes: teardown)).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func closeConnection() {
        connectionID += 1
        sessionDriver.cancel()
        connection?.close(promise: nil)
        connection = nil
    }

    static func seconds(_ duration: Duration) -> String {
        let tenths = (duration.nanosecondsClamped + 50_000_000) / 100_000_000
        return "\(tenths / 10).\(tenths % 10)"
    }
}
