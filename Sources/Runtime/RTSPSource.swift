import Ingest
import Logging
import NIOCore
import NIOPosix
import RTCBase
import RTSP
import Routing

/// Pulls one RTSP camera into a path (RFC 2326 client). Three sans-IO machines decide: the
/// `RTSPClientSession` (the protocol), the `RTSPSourceStateMachine` (attempts, backoff and jitter,
/// on-demand connect/disconnect, the playing watchdog) and the `RTSPSourceMedia` of the current
/// connection (tracks, RTP into units, RTCP out). This driver owns the TCP connection, the UDP
/// port pairs, two engine timers and the path's publisher, and performs what the machines ask.
/// While reconnecting the publisher is detached, so viewers stay connected and resume on the
/// next keyframe.
///
/// Every mutable field is touched only on `eventLoop` (TCP and UDP channels live on it too).
public final class RTSPSource: @unchecked Sendable {
    public let pathName: String
    let spec: RTSPSourceSpec
    let path: Path
    let eventLoop: any EventLoop
    let logger: Logger
    let clock: EngineClock

    // Connection attempt
    var session: RTSPClientSession?
    var parser = RTSPStreamParser()
    var connection: (any Channel)?
    /// Bumped for every TCP connection and every teardown; callbacks of older ones are ignored.
    var connectionID = 0
    /// Drives the current connection's client session (cancelled when the connection goes).
    let sessionDriver: EngineDriver
    /// Attempts, retries, on-demand and watchdog decisions, and their timer.
    var machine: RTSPSourceStateMachine
    let machineDriver: EngineDriver

    // Media of the current attempt
    var media: RTSPSourceMedia?
    var channels: [Int: (rtp: any Channel, rtcp: any Channel)] = [:]
    var publisher: PublisherToken?
    let localSSRC = SecureRandom.uint32()
    var loggedNotices: Set<String> = []

    // On demand
    var readyWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
    var nextWaiterID = 0

    public convenience init(pathName: String, spec: RTSPSourceSpec, router: Router, eventLoop: any EventLoop, logger: Logger) throws {
        try self.init(pathName: pathName, spec: spec, timing: .init(), router: router, eventLoop: eventLoop, logger: logger)
    }

    init(pathName: String, spec: RTSPSourceSpec, timing: RTSPSourceStateMachine.Timing, router: Router, eventLoop: any EventLoop,
         logger: Logger, clock: EngineClock = .runtime) throws {
        self.pathName = pathName
        self.spec = spec
        self.path = try router.path(named: pathName) ?? router.createPath(named: pathName)
        self.eventLoop = eventLoop
        var logger = logger
        logger[metadataKey: "path"] = "\(pathName)"
        logger[metadataKey: "camera"] = "\(spec.url.redacted)"
        self.logger = logger
        self.clock = clock
        self.machine = RTSPSourceStateMachine(onDemand: spec.onDemand, closeAfter: spec.closeAfter, timing: timing)
        self.sessionDriver = EngineDriver(eventLoop: eventLoop, clock: clock)
        self.machineDriver = EngineDriver(eventLoop: eventLoop, clock: clock)
        sessionDriver.onTimeout { [weak self] now in
            guard let self else { return }
            self.session?.handleTimeout(now: now)
            self.drain()
        }
        machineDriver.onTimeout { [weak self] now in
            guard let self else { return }
            self.machine.handleTimeout(now: now)
            self.pump()
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
                self.eventLoop.execute { self.update { $0.readersChanged(count, now: $1) } }
            }
        } else {
            eventLoop.execute { self.update { $0.start(now: $1) } }
        }
    }

    /// TEARDOWN (best effort), close everything, detach from the path.
    public func stop() async {
        path.setDemandHandler(nil)
        try? await eventLoop.submit {
            self.update { machine, _ in machine.stop() }
            self.machineDriver.stop()
            self.resumeReadyWaiters()
        }.get()
    }

    // MARK: - The connection (on eventLoop)

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
                    session?.start(now: clock.now())
                    drain()
                case .failure(let error):
                    guard id == connectionID, session != nil else { return }
                    attemptFailed("cannot connect to \(host):\(port) (\(error))")
                }
            }
    }

    func received(_ buffer: ByteBuffer, connection id: Int) {
        guard id == connectionID, session != nil else { return }
        let now = clock.now()
        do {
            try parser.feed(buffer.readableBytesView)
            while let item = try parser.next() {
                if case .interleaved(let channel, let payload) = item, let route = session?.route(channel: channel) {
                    // Hot path: media frames skip the session's output queue.
                    if route.isRTCP {
                        media?.receiveRTCP(payload, track: route.track, now: now)
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
        session?.connectionClosed(now: clock.now())
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
            let toTCP = session?.usesTCP == true && media?.tracks.contains { if case .udp = $0.transport { true } else { false } } == true
            logger.info(toTCP ? "RTSP source switching to TCP" : "RTSP source reconnecting",
                        metadata: ["url": "\(url.redacted)"])
            machine.reconnecting()
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
            receiveRTP(payload, track: track, from: nil, now: clock.now())
        case .rtcp(let track, let payload):
            media?.receiveRTCP(payload, track: track, now: clock.now())
        case .closed:
            update { machine, _ in machine.sessionClosed() }
        case .failed(let error):
            attemptFailed(error.description)
        }
    }

    /// Ends the current attempt: TEARDOWN when asked and a session plays, then closes the
    /// connection and the UDP sockets and detaches the publisher.
    func disconnect(teardown: Bool) {
        var bytes: [UInt8] = []
        if teardown, var closing = session, connection != nil {
            closing.close(now: clock.now())
            while case .send(let request) = closing.poll() { bytes += request.serialized() }
        }
        let channel = bytes.isEmpty ? nil : connection
        if channel != nil { connection = nil }
        session = nil
        closeMedia()
        closeConnection()
        // Written after the state is gone: closing the channel may call back synchronously.
        if let channel {
            channel.writeAndFlush(channel.allocator.buffer(bytes: bytes)).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func closeConnection() {
        connectionID += 1
        sessionDriver.cancel()
        connection?.close(promise: nil)
        connection = nil
    }
}
