import ICE
import Logging
import NIOCore
import NIOPosix
import RTCBase
import Synchronization

/// ICE-TCP passive (RFC 6544) settings: one TCP port for viewers and publishers whose network
/// blocks UDP. Off unless a port is given (`--webrtc-tcp PORT`, YAML `webrtc.tcpPort`).
public struct WebRTCTCPSettings: Sendable, Hashable {
    /// The TCP port (0: any free one); nil: no ICE-TCP.
    public var port: Int?
    /// Connections open at once; more are closed on arrival and counted.
    public var maxConnections = 1000
    /// Largest RFC 4571 frame accepted (a DTLS flight or SRTP packet fits 1500); a larger one
    /// closes the connection.
    public var maxFrameBytes = 4096
    /// Bytes queued for one connection before packets to it are dropped (a slow TCP viewer
    /// loses its own packets and never holds up anyone else).
    public var maxBufferedBytes = 1 << 20
    /// A connection on which no ICE check was validated by then is closed.
    public var unboundTimeout: Duration = .seconds(10)
    /// A connection that read nothing for this long is closed (consent checks come every few seconds).
    public var idleTimeout: Duration = .seconds(30)

    public static let frameBytesRange = 1500...65535
    public static let bufferedBytesRange = (64 << 10)...(64 << 20)
    public init() {}
}

/// Counters of the ICE-TCP listener.
public struct WebRTCTCPCounters: Sendable, Equatable {
    public var accepted = 0
    public var refused = 0
    public var badFrames = 0
    public var unboundClosed = 0
    public var droppedSends = 0
    public init() {}
}

/// The listening socket of ICE-TCP: accepts connections on the transport's event loops (so a
/// connection's frames are mostly handled on its session's loop) and hands each framed packet to
/// the transport's routing, exactly as a UDP datagram from the connection's remote address.
final class WebRTCTCPListener: Sendable {
    let settings: WebRTCTCPSettings
    let logger: Logger
    let open = Atomic<Int>(0)
    let counters = Mutex(WebRTCTCPCounters())
    private let channel = Mutex<(any Channel)?>(nil)

    init(settings: WebRTCTCPSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// Binds and returns the port.
    func bind(host: String, port: Int, group: any EventLoopGroup, transport: WebRTCTransport) async throws -> Int {
        let settings = self.settings
        let listening = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark,
                                value: .init(low: settings.maxBufferedBytes / 2, high: settings.maxBufferedBytes))
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        WebRTCTCPConnection(listener: self, transport: transport, channel: channel))
                }
            }
            .bind(host: host, port: port).get()
        channel.withLock { $0 = listening }
        return listening.localAddress?.port ?? port
    }

    func close() async {
        let listening = channel.withLock { current in
            defer { current = nil }
            return current
        }
        try? await listening?.close()
    }

    func count(_ update: (inout WebRTCTCPCounters) -> Void) { counters.withLock { update(&$0) } }
}

/// One accepted ICE-TCP connection: RFC 4571 frames in, routed like datagrams from its remote
/// address; `send` frames packets out (from any loop), dropping them while the connection's
/// queue is above `maxBufferedBytes`.
final class WebRTCTCPConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let listener: WebRTCTCPListener
    unowned let transport: WebRTCTransport
    let channel: any Channel
    private var framer: ICETCPFramer
    /// The peer's address (fixed for the connection's life).
    let remote: TransportAddress?
    /// Set (by the session's loop) once a check over this connection was answered.
    let bound = Atomic<Bool>(false)
    private var linked = false
    private var counted = false
    private var lastRead = RuntimeClock.now()
    private var timer: Scheduled<Void>?

    init(listener: WebRTCTCPListener, transport: WebRTCTransport, channel: any Channel) {
        self.listener = listener
        self.transport = transport
        self.channel = channel
        self.framer = ICETCPFramer(maxFrameBytes: listener.settings.maxFrameBytes)
        self.remote = channel.remoteAddress.flatMap { TransportAddress($0) }
    }

    func channelActive(context: ChannelHandlerContext) {
        let open = listener.open.add(1, ordering: .relaxed).newValue
        counted = true
        guard open <= listener.settings.maxConnections, let address = remote else {
            listener.count { $0.refused += 1 }
            context.close(promise: nil)
            return
        }
        listener.count { $0.accepted += 1 }
        linked = true
        transport.addTCPLink(self, for: address)
        let unbound = listener.settings.unboundTimeout
        timer = context.eventLoop.scheduleTask(in: TimeAmount(unbound)) { [self] in
            checkAlive(bound: true)
        }
        context.fireChannelActive()
    }

    /// Closes the connection when no check validated its address (first run) or it went idle.
    private func checkAlive(bound firstCheck: Bool) {
        guard linked else { return }
        if firstCheck, !bound.load(ordering: .relaxed) {
            listener.count { $0.unboundClosed += 1 }
            channel.close(promise: nil)
            return
        }
        let idle = listener.settings.idleTimeout
        if RuntimeClock.now() - lastRead >= idle {
            channel.close(promise: nil)
            return
        }
        timer = channel.eventLoop.scheduleTask(in: TimeAmount(idle)) { [self] in
            checkAlive(bound: false)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard linked, let remote, let bytes = buffer.readBytes(length: buffer.readableBytes) else { return }
        lastRead = RuntimeClock.now()
        let frames: [[UInt8]]
        do { frames = try framer.append(bytes) } catch {
            listener.count { $0.badFrames += 1 }
            context.close(promise: nil)
            return
        }
        let socket = transport.socket(on: context.eventLoop)
        for frame in frames { transport.receive(frame, from: remote, on: socket, link: self) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        if linked, let remote { transport.removeTCPLink(self, for: remote) }
        linked = false
        if counted {
            counted = false
            listener.open.subtract(1, ordering: .relaxed)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// Sends one packet, framed (any thread); false when dropped (queue full, closed, too large).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        guard channel.isActive, channel.isWritable, let framed = ICETCPFramer.frame(bytes) else {
            listener.count { $0.droppedSends += 1 }
            return false
        }
        channel.writeAndFlush(ByteBuffer(bytes: framed), promise: nil)
        return true
    }
}
