import Logging
import NIOCore
import NIOPosix
import RTCBase
import ICE
import WebRTC

/// The one UDP port shared by every WebRTC session (default 8189). Datagrams are routed to a
/// session by the ICE username (STUN) and then by source address (DTLS, SRTP). All sessions live
/// on this channel's event loop; nothing here is touched from another thread except through
/// `eventLoop.execute`/`submit`.
public final class WebRTCTransport: @unchecked Sendable {
    public let eventLoop: any EventLoop
    let logger: Logger
    var channel: (any Channel)?
    var peersByUfrag: [String: WebRTCPeer] = [:]
    var peersByAddress: [TransportAddress: WebRTCPeer] = [:]
    /// Datagrams that matched no session (garbage, unknown ufrag, unvalidated address).
    public private(set) var unroutedDatagrams = 0
    var closedCounters = WebRTCCounters()

    public init(eventLoop: any EventLoop, logger: Logger) {
        self.eventLoop = eventLoop
        self.logger = logger
    }

    /// Binds the UDP socket. Returns the bound port.
    public func bind(host: String, port: Int) async throws -> Int {
        let channel = try await DatagramBootstrap(group: eventLoop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
            .channelOption(.socketOption(.so_sndbuf), value: 4 << 20)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(InboundHandler(transport: self))
                }
            }
            .bind(host: host, port: port).get()
        self.channel = channel
        return channel.localAddress?.port ?? port
    }

    public func close() async {
        try? await channel?.close()
    }

    // MARK: Peers

    func register(_ peer: WebRTCPeer) {
        eventLoop.preconditionInEventLoop()
        peersByUfrag[peer.session.localICECredentials.ufrag] = peer
        peer.pump(now: RuntimeClock.now())
    }

    /// After an ICE restart the peer answers to its new ufrag only.
    func rekey(_ peer: WebRTCPeer, from oldUfrag: String) {
        eventLoop.preconditionInEventLoop()
        if peersByUfrag[oldUfrag] === peer { peersByUfrag[oldUfrag] = nil }
        peersByUfrag[peer.session.localICECredentials.ufrag] = peer
    }

    func unregister(_ peer: WebRTCPeer) {
        eventLoop.preconditionInEventLoop()
        peersByUfrag[peer.session.localICECredentials.ufrag] = nil
        for address in peer.addresses where peersByAddress[address] === peer { peersByAddress[address] = nil }
        accumulate(peer.session.counters)
    }

    func learn(_ address: TransportAddress, for peer: WebRTCPeer) {
        guard peersByAddress[address] !== peer else { return }
        peersByAddress[address] = peer
        peer.addresses.insert(address)
    }

    var sessionCount: Int { peersByUfrag.count }

    /// Sums the counters of live and ended sessions (for /api/stats).
    public func counters() async -> (sessions: Int, counters: WebRTCCounters, unrouted: Int) {
        (try? await eventLoop.submit { [self] in
            var total = closedCounters
            for peer in peersByUfrag.values { total.add(peer.session.counters) }
            return (peersByUfrag.count, total, unroutedDatagrams)
        }.get()) ?? (0, WebRTCCounters(), 0)
    }

    private func accumulate(_ c: WebRTCCounters) { closedCounters.add(c) }

    // MARK: IO

    func receive(_ bytes: [UInt8], from address: TransportAddress) {
        let now = RuntimeClock.now()
        if let first = bytes.first, first <= 3 {
            // STUN: routed by the ufrag it is addressed to; an authenticated check may validate
            // a new address for the session (Chromium switches pairs mid-session).
            guard let ufrag = ICELiteAgent.localUfrag(in: bytes[...]), let peer = peersByUfrag[ufrag] else {
                unroutedDatagrams += 1
                return
            }
            peer.session.handle(datagram: bytes, from: address, now: now)
            if peer.session.isValidated(address) { learn(address, for: peer) }
            peer.pump(now: now)
        } else {
            // DTLS, SRTP, SRTCP: only from addresses a check already validated.
            guard let peer = peersByAddress[address] else { unroutedDatagrams += 1; return }
            peer.session.handle(datagram: bytes, from: address, now: now)
            peer.pump(now: now)
        }
    }

    func send(_ bytes: [UInt8], to address: TransportAddress, cache: inout (TransportAddress, SocketAddress)?) {
        guard let channel else { return }
        let socketAddress: SocketAddress
        if let cached = cache, cached.0 == address {
            socketAddress = cached.1
        } else {
            guard let resolved = address.socketAddress else { return }
            cache = (address, resolved)
            socketAddress = resolved
        }
        let buffer = channel.allocator.buffer(bytes: bytes)
        channel.write(AddressedEnvelope(remoteAddress: socketAddress, data: buffer), promise: nil)
    }

    func flush() { channel?.flush() }

    final class InboundHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let transport: WebRTCTransport
        init(transport: WebRTCTransport) { self.transport = transport }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            guard let address = TransportAddress(envelope.remoteAddress) else { return }
            var buffer = envelope.data
            guard let bytes = buffer.readBytes(length: buffer.readableBytes) else { return }
            transport.receive(bytes, from: address)
        }

        func channelReadComplete(context: ChannelHandlerContext) {
            context.flush()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            // ICMP port unreachable and similar: log and keep the socket.
            transport.logger.debug("webrtc udp error: \(error)")
        }
    }
}

extension WebRTCCounters {
    mutating func add(_ o: WebRTCCounters) {
        droppedDatagrams += o.droppedDatagrams
        stunRejected += o.stunRejected
        srtpAuthFailures += o.srtpAuthFailures
        rtcpMalformed += o.rtcpMalformed
        packetsSent += o.packetsSent
        bytesSent += o.bytesSent
        nacksReceived += o.nacksReceived
        retransmissions += o.retransmissions
        keyframeRequestsReceived += o.keyframeRequestsReceived
    }
}
