import Egress
import Logging
import NIOCore
import NIOPosix
import RTCBase
import RTSP
import Routing
import Synchronization

/// The RTSP server (RFC 2326): a TCP listener whose connections each drive an
/// `RTSPServerSession` (`RTSPServerConnection`), and the shared UDP server port pair (RTP, RTCP)
/// that every UDP session sends from and receives on, demultiplexed by the client's address and
/// port. Connections are spread over the group's event loops, each confined to its own; the
/// listener and the UDP ports live on one of them. At most `maxConnections` are open at once, and
/// `maxConnectionsPerClient` from one IP address.
public final class RTSPServer: @unchecked Sendable {
    /// Where a datagram from a client address belongs.
    struct UDPRoute {
        var connection: RTSPServerConnection
        var mediaIndex: Int
    }

    /// What every loop's connections share, behind one lock.
    struct Shared {
        var connections: [ObjectIdentifier: RTSPServerConnection] = [:]
        /// Admitted connections (including the ones being set up) in all and per client IP.
        var admitted = 0
        var admittedPerClient: [String: Int] = [:]
        var udpRoutes: [TransportAddress: UDPRoute] = [:]
        var refusedConnections = 0
        var unroutedDatagrams = 0
        var stopped = false
        /// Counts of the readers (PLAY) that ended, per path (so path totals never go back).
        var endedReaders: [String: RTSPServerPlayback.Statistics] = [:]
    }

    /// The settings the server started with (see `authentication` for the users and tokens now).
    public let settings: RTSPServerSettings
    /// Users and tokens per path as they are now: reloads and the control API change them.
    private let access: Mutex<RTSPServerSettings>
    let router: Router
    /// Paths configured as `publisher`: ANNOUNCE/RECORD may publish into them.
    let publishablePaths: Set<String>
    let group: any EventLoopGroup
    /// The listener's and the UDP ports' loop.
    let eventLoop: any EventLoop
    let logger: Logger
    /// One Digest nonce secret for every connection.
    let nonces: RTSPNonceIssuer
    public private(set) var port = 0
    public private(set) var udpPorts: (rtp: Int, rtcp: Int)?
    private let shared = Mutex(Shared())
    // Set in start(), read-only afterwards.
    private var listener: (any Channel)?
    private(set) var udpChannels: (rtp: any Channel, rtcp: any Channel)?

    public init(settings: RTSPServerSettings, router: Router, publishablePaths: Set<String>,
                group: any EventLoopGroup, logger: Logger) {
        self.settings = settings
        self.access = Mutex(settings)
        self.router = router
        self.publishablePaths = publishablePaths
        self.group = group
        self.eventLoop = group.next()
        self.logger = logger
        self.nonces = RTSPNonceIssuer(lifetime: settings.nonceLifetime)
    }

    /// Binds the UDP server ports (when UDP is on) and the TCP listener.
    public func start() async throws {
        let udp = try await bindUDPPair()
        // Before any connection can ask for them.
        if let udp {
            udpChannels = (udp.0, udp.1)
            udpPorts = (udp.0.localAddress?.port ?? 0, udp.1.localAddress?.port ?? 0)
        }
        let tcp: any Channel
        let high = max(settings.maxQueuedWriteBytes, 2)
        do {
            tcp = try await ServerBootstrap(group: eventLoop, childGroup: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.writeBufferWaterMark, value: .init(low: high / 2, high: high))
                .childChannelInitializer { [self] channel in
                    channel.eventLoop.makeCompletedFuture {
                        // Over the cap: NIO closes the accepted channel.
                        guard let connection = admit(channel) else { throw ConnectionRefused() }
                        try channel.pipeline.syncOperations.addHandler(RTSPServerChannelHandler(connection))
                    }
                }
                .bind(host: settings.host, port: settings.port).get()
        } catch {
            if let udp { try? await udp.0.close(); try? await udp.1.close() }
            throw SourceError.unusable("cannot listen for RTSP on \(settings.host):\(settings.port): \(error)")
        }
        port = tcp.localAddress?.port ?? settings.port
        listener = tcp
        logger.info("RTSP server listening", metadata: [
            "address": "\(settings.host):\(port)",
            "udp": "\(udpPorts.map { "\($0.rtp)/\($0.rtcp)" } ?? "off")",
            "maxConnections": "\(settings.maxConnections)",
        ])
    }

    /// Closes the listener: new connections are refused; open ones carry on until `stop()`.
    public func stopAccepting() async {
        shared.withLock { $0.stopped = true }
        if let listener { try? await listener.close() }
    }

    /// Closes the listener, every connection (their sessions end) and the UDP ports.
    public func stop() async {
        let channels: [any Channel] = shared.withLock { state in
            state.stopped = true
            return state.connections.values.map(\.channel)
        }
        if let listener { try? await listener.close() }
        for channel in channels { try? await channel.close() }
        if let udpChannels { try? await udpChannels.rtp.close(); try? await udpChannels.rtcp.close() }
    }

    /// The authentication policy of a path for an access now (nil: open); see `RTSPServerSettings`.
    public func authentication(path: String, access kind: RTSPAccess, clientIP: String) -> RTSPAuthPolicy? {
        access.withLock { $0.authentication(path: path, access: kind, clientIP: clientIP) }
    }

    /// Takes the users and path tokens of `settings` (a reload, a path changed through the API);
    /// requests from then on see them, sessions and what connections already authorized stay.
    public func updateAccess(from settings: RTSPServerSettings) {
        access.withLock { $0.takeAccess(of: settings) }
    }

    /// `stop()` began (readers' BYE says the server is shutting down).
    var isStopping: Bool { shared.withLock { $0.stopped } }

    /// A reader ended (on its connection's loop): its counts join the per-path totals.
    func readerEnded(path: String, stats: RTSPServerPlayback.Statistics) {
        shared.withLock { state in
            var total = state.endedReaders[path, default: RTSPServerPlayback.Statistics()]
            total.packetsSent += stats.packetsSent
            total.bytesSent += stats.bytesSent
            total.drops += stats.drops
            total.goodbyesSent += stats.goodbyesSent
            state.endedReaders[path] = total
        }
    }

    /// One RTSP reader (PLAY) at a scrape: its path, client, transport and playback counts.
    public struct ReaderSample: Sendable {
        public var path: String
        /// The client's address ("ip:port" of its TCP connection).
        public var client: String
        /// `udp` or `tcp` (interleaved).
        public var transport: String
        public var stats: RTSPServerPlayback.Statistics
    }

    /// The live readers, read on each connection's own loop, and the ended readers' totals per path.
    public func readerStats() async -> (live: [ReaderSample], endedByPath: [String: RTSPServerPlayback.Statistics]) {
        let (connections, ended) = shared.withLock { (Array($0.connections.values), $0.endedReaders) }
        var live: [ReaderSample] = []
        for connection in connections {
            let sample = try? await connection.channel.eventLoop.submit { () -> ReaderSample? in
                guard let playback = connection.playback, let path = connection.readPath else { return nil }
                return ReaderSample(path: path.name, client: connection.peer?.description ?? "?",
                                    transport: connection.clientPorts.isEmpty ? "tcp" : "udp", stats: playback.stats)
            }.get()
            if let found = sample ?? nil { live.append(found) }
        }
        return (live, ended)
    }

    /// The open connections (any loop).
    func connectionList() -> [RTSPServerConnection] { shared.withLock { Array($0.connections.values) } }

    /// Number of open RTSP connections.
    public func connectionCount() -> Int { shared.withLock { $0.connections.count } }

    /// The open connections' channels (tests).
    func connectionChannels() -> [any Channel] { shared.withLock { $0.connections.values.map(\.channel) } }

    /// How many event loops the open connections run on.
    func eventLoopsInUse() -> Int {
        shared.withLock { Set($0.connections.values.map { ObjectIdentifier($0.channel.eventLoop) }).count }
    }

    /// Connections closed on arrival because `maxConnections` were open.
    public func refusedConnectionCount() -> Int { shared.withLock { $0.refusedConnections } }

    /// A connection for a new channel, or nil when the server is stopped or full (on the channel's loop).
    private func admit(_ channel: any Channel) -> RTSPServerConnection? {
        let client = Self.clientKey(channel)
        let refused = shared.withLock { state -> Int? in
            guard !state.stopped, state.admitted < settings.maxConnections,
                  state.admittedPerClient[client, default: 0] < settings.maxConnectionsPerClient else {
                state.refusedConnections += 1
                return state.refusedConnections
            }
            state.admitted += 1
            state.admittedPerClient[client, default: 0] += 1
            return nil
        }
        if let refused {
            if refused == 1 || refused % 1000 == 0 {   // not one line per refused connection
                logger.warning("RTSP connection cap reached: refusing new connections", metadata: [
                    "maxConnections": "\(settings.maxConnections)", "maxConnectionsPerClient": "\(settings.maxConnectionsPerClient)",
                    "refused": "\(refused)",
                ])
            }
            return nil
        }
        let connection = RTSPServerConnection(channel: channel, server: self)
        shared.withLock { $0.connections[ObjectIdentifier(connection)] = connection }
        return connection
    }

    /// Whose connection this is, for `maxConnectionsPerClient`.
    static func clientKey(_ channel: any Channel) -> String { channel.remoteAddress?.ipAddress ?? "?" }

    // MARK: From any connection's loop

    func connectionClosed(_ connection: RTSPServerConnection) {
        shared.withLock { state in
            guard state.connections.removeValue(forKey: ObjectIdentifier(connection)) != nil else { return }
            state.admitted -= 1
            let left = state.admittedPerClient[connection.clientKey, default: 1] - 1
            state.admittedPerClient[connection.clientKey] = left > 0 ? left : nil
            state.udpRoutes = state.udpRoutes.filter { $0.value.connection !== connection }
        }
    }

    /// Datagrams from `address` go to `connection`'s track.
    func addRoute(_ address: TransportAddress, connection: RTSPServerConnection, mediaIndex: Int) {
        shared.withLock { $0.udpRoutes[address] = UDPRoute(connection: connection, mediaIndex: mediaIndex) }
    }

    func removeRoutes(of connection: RTSPServerConnection) {
        shared.withLock { state in
            guard state.udpRoutes.contains(where: { $0.value.connection === connection }) else { return }
            state.udpRoutes = state.udpRoutes.filter { $0.value.connection !== connection }
        }
    }

    /// Datagrams to send from the server ports: bytes, destination, from the RTCP (else RTP) port.
    typealias DatagramBatch = [(bytes: [UInt8], to: SocketAddress, isRTCP: Bool)]

    /// Whether the RTP or RTCP server port takes more datagrams now.
    func datagramsWritable(isRTCP: Bool) -> Bool {
        guard let udpChannels else { return false }
        return (isRTCP ? udpChannels.rtcp : udpChannels.rtp).isWritable
    }

    /// Sends one datagram from the RTP or RTCP server port; false when the socket is full.
    func sendDatagram(_ bytes: [UInt8], to address: SocketAddress, isRTCP: Bool) -> Bool {
        guard datagramsWritable(isRTCP: isRTCP) else { return false }
        send([(bytes, address, isRTCP)])
        return true
    }

    /// Writes a batch on the server ports' loop (one hop from a connection's loop) and flushes once.
    func send(_ batch: DatagramBatch) {
        guard !batch.isEmpty, let udpChannels else { return }
        let write: @Sendable () -> Void = {
            for datagram in batch {
                let channel = datagram.isRTCP ? udpChannels.rtcp : udpChannels.rtp
                channel.write(AddressedEnvelope(remoteAddress: datagram.to, data: channel.allocator.buffer(bytes: datagram.bytes)),
                              promise: nil)
            }
            if batch.contains(where: { !$0.isRTCP }) { udpChannels.rtp.flush() }
            if batch.contains(where: \.isRTCP) { udpChannels.rtcp.flush() }
        }
        if eventLoop.inEventLoop { write() } else { eventLoop.execute(write) }
    }

    /// On the UDP ports' loop: the datagrams of one read burst, routed under one lock and handed
    /// to each connection in one hop to its loop (not one per datagram).
    private func receiveBurst(_ burst: [DatagramBurstReceiver.Datagram], isRTCP: Bool) {
        var deliveries: [(connection: RTSPServerConnection, datagrams: [RTSPServerConnection.RoutedDatagram])] = []
        shared.withLock { state in
            for datagram in burst {
                guard !state.stopped, let source = TransportAddress(datagram.from), let route = state.udpRoutes[source] else {
                    state.unroutedDatagrams += 1
                    continue
                }
                let routed = RTSPServerConnection.RoutedDatagram(bytes: datagram.bytes, mediaIndex: route.mediaIndex)
                // A burst rarely comes from more than one or two publishers: a short linear search.
                if let index = deliveries.firstIndex(where: { $0.connection === route.connection }) {
                    deliveries[index].datagrams.append(routed)
                } else {
                    deliveries.append((route.connection, [routed]))
                }
            }
        }
        for (connection, datagrams) in deliveries {
            if connection.channel.eventLoop.inEventLoop {
                connection.receiveDatagrams(datagrams, isRTCP: isRTCP)
            } else {
                connection.channel.eventLoop.execute { connection.receiveDatagrams(datagrams, isRTCP: isRTCP) }
            }
        }
    }

    /// Datagrams the UDP ports received from no client address a SETUP registered (or after stop).
    public func unroutedDatagramCount() -> Int { shared.withLock { $0.unroutedDatagrams } }

    /// The RTP and RTCP server ports, or nil when UDP is off.
    private func bindUDPPair() async throws -> (any Channel, any Channel)? {
        guard settings.udpEnabled else { return nil }
        let rtp = try await bindUDP(port: settings.udpRTPPort, isRTCP: false)
        do {
            return (rtp, try await bindUDP(port: settings.udpRTCPPort, isRTCP: true))
        } catch {
            try? await rtp.close()
            throw error
        }
    }

    private func bindUDP(port: Int, isRTCP: Bool) async throws -> any Channel {
        do {
            return try await DatagramBootstrap(group: eventLoop)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
                .channelOption(.socketOption(.so_sndbuf), value: 4 << 20)
                .channelOption(.maxMessagesPerRead, value: UInt(DatagramBurstReceiver.maxBurst))
                .channelInitializer { [self] channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(DatagramBurstReceiver { [self] burst in
                            receiveBurst(burst, isRTCP: isRTCP)
                        })
                    }
                }
                .bind(host: settings.host, port: port).get()
        } catch {
            throw SourceError.unusable("cannot bind RTSP UDP \(isRTCP ? "RTCP" : "RTP") port \(settings.host):\(port): \(error)")
        }
    }
}

/// Why an accepted connection was closed at once: `maxConnections` are open.
struct ConnectionRefused: Error {}

/// Feeds a connection's bytes to its `RTSPServerConnection` and tells it when the peer is gone.
final class RTSPServerChannelHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let connection: RTSPServerConnection

    init(_ connection: RTSPServerConnection) { self.connection = connection }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard let bytes = buffer.readBytes(length: buffer.readableBytes) else { return }
        connection.receive(bytes)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        connection.writabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.closed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
