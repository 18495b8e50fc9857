import Logging
import NIOCore
import NIOPosix
import RTCBase
import RTSP
import Routing

/// The RTSP server (RFC 2326): a TCP listener whose connections each drive an
/// `RTSPServerSession` (`RTSPServerConnection`), and the shared UDP server port pair (RTP, RTCP)
/// that every UDP session sends from and receives on, demultiplexed by the client's address and
/// port. Everything runs on one event loop; the class is confined to it after `start()`.
public final class RTSPServer: @unchecked Sendable {
    /// Where a datagram from a client address belongs.
    struct UDPRoute {
        var connection: RTSPServerConnection
        var mediaIndex: Int
    }

    public let settings: RTSPServerSettings
    let router: Router
    /// Paths configured as `publisher`: ANNOUNCE/RECORD may publish into them.
    let publishablePaths: Set<String>
    let eventLoop: any EventLoop
    let logger: Logger
    /// One Digest nonce secret for every connection.
    let nonces = RTSPNonceIssuer()
    public private(set) var port = 0
    public private(set) var udpPorts: (rtp: Int, rtcp: Int)?
    // Touched only on eventLoop.
    private var listener: (any Channel)?
    private(set) var udpChannels: (rtp: any Channel, rtcp: any Channel)?
    private var connections: [ObjectIdentifier: RTSPServerConnection] = [:]
    private var udpRoutes: [TransportAddress: UDPRoute] = [:]
    private(set) var unroutedDatagrams = 0
    private var stopped = false

    public init(settings: RTSPServerSettings, router: Router, publishablePaths: Set<String>,
                eventLoop: any EventLoop, logger: Logger) {
        self.settings = settings
        self.router = router
        self.publishablePaths = publishablePaths
        self.eventLoop = eventLoop
        self.logger = logger
    }

    /// Binds the UDP server ports (when UDP is on) and the TCP listener.
    public func start() async throws {
        let udp = try await bindUDPPair()
        let tcp: any Channel
        do {
            tcp = try await ServerBootstrap(group: eventLoop)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.writeBufferWaterMark, value: .init(low: 128 << 10, high: 512 << 10))
                .childChannelInitializer { [self] channel in
                    channel.eventLoop.makeCompletedFuture {
                        let connection = RTSPServerConnection(channel: channel, server: self)
                        try channel.pipeline.syncOperations.addHandler(RTSPServerChannelHandler(connection))
                        connections[ObjectIdentifier(connection)] = connection
                    }
                }
                .bind(host: settings.host, port: settings.port).get()
        } catch {
            if let udp { try? await udp.0.close(); try? await udp.1.close() }
            throw SourceError.unusable("cannot listen for RTSP on \(settings.host):\(settings.port): \(error)")
        }
        port = tcp.localAddress?.port ?? settings.port
        if let udp { udpPorts = (udp.0.localAddress?.port ?? 0, udp.1.localAddress?.port ?? 0) }
        try await eventLoop.submit { [self] in
            listener = tcp
            if let udp { udpChannels = (udp.0, udp.1) }
        }.get()
        logger.info("RTSP server listening", metadata: [
            "address": "\(settings.host):\(port)",
            "udp": "\(udpPorts.map { "\($0.rtp)/\($0.rtcp)" } ?? "off")",
        ])
    }

    /// Closes the listener, every connection (their sessions end) and the UDP ports.
    public func stop() async {
        let channels: [any Channel] = (try? await eventLoop.submit { [self] in
            stopped = true
            var all: [any Channel] = listener.map { [$0] } ?? []
            all += connections.values.map(\.channel)
            if let udpChannels { all += [udpChannels.rtp, udpChannels.rtcp] }
            listener = nil
            return all
        }.get()) ?? []
        for channel in channels { try? await channel.close() }
    }

    /// Number of open RTSP connections (tests).
    public func connectionCount() async throws -> Int {
        try await eventLoop.submit { self.connections.count }.get()
    }

    // MARK: On eventLoop

    func connectionClosed(_ connection: RTSPServerConnection) {
        connections[ObjectIdentifier(connection)] = nil
        removeRoutes(of: connection)
    }

    /// Datagrams from `address` go to `connection`'s track.
    func addRoute(_ address: TransportAddress, connection: RTSPServerConnection, mediaIndex: Int) {
        udpRoutes[address] = UDPRoute(connection: connection, mediaIndex: mediaIndex)
    }

    func removeRoutes(of connection: RTSPServerConnection) {
        udpRoutes = udpRoutes.filter { $0.value.connection !== connection }
    }

    /// Sends one datagram from the RTP or RTCP server port; false when the socket is full.
    func sendDatagram(_ bytes: [UInt8], to address: SocketAddress, isRTCP: Bool) -> Bool {
        guard let udpChannels else { return false }
        let channel = isRTCP ? udpChannels.rtcp : udpChannels.rtp
        guard channel.isWritable else { return false }
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: channel.allocator.buffer(bytes: bytes)),
                              promise: nil)
        return true
    }

    private func receiveDatagram(_ bytes: [UInt8], from address: SocketAddress, isRTCP: Bool) {
        guard !stopped, let source = TransportAddress(address), let route = udpRoutes[source] else {
            unroutedDatagrams += 1
            return
        }
        route.connection.receiveDatagram(bytes, mediaIndex: route.mediaIndex, isRTCP: isRTCP)
    }

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
                .channelInitializer { [self] channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(DatagramReceiver { [self] bytes, from in
                            receiveDatagram(bytes, from: from, isRTCP: isRTCP)
                        })
                    }
                }
                .bind(host: settings.host, port: port).get()
        } catch {
            throw SourceError.unusable("cannot bind RTSP UDP \(isRTCP ? "RTCP" : "RTP") port \(settings.host):\(port): \(error)")
        }
    }
}

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
