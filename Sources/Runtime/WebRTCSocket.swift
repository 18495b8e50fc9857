#if canImport(Glibc)
import Glibc
#endif
import CUDPBatch
import Logging
import NIOCore
import NIOPosix
import RTCBase
import Synchronization
import WebRTC

/// One event loop's share of the WebRTC UDP port: a socket bound with SO_REUSEPORT to the shared
/// port, the peers that live on this loop, and the loop's send batch. Every session is pinned to
/// one socket's loop; all its work (datagrams in, timers, media out) runs there.
final class WebRTCSocket: @unchecked Sendable {
    let eventLoop: any EventLoop
    private(set) var channel: (any Channel)?
    private(set) var batch: UDPSendBatch?
    /// Peers pinned to this loop (loop-confined), and the counters of those that ended here.
    var peers: [ObjectIdentifier: WebRTCPeer] = [:]
    var closedCounters = WebRTCCounters()
    /// The same, per path name (metrics); one entry per path that had a session on this loop.
    var closedCountersByPath: [String: WebRTCCounters] = [:]
    /// Units the path readers of ended viewers dropped (queue overflow, keyframe waits).
    var closedReaderDroppedUnits = 0
    /// Viewers whose path reader has news, collected from the publisher's thread: one task per
    /// loop tick drains them all, instead of one task per viewer per media unit.
    private let ready = Mutex<(viewers: [WHEPViewer], scheduled: Bool)>(([], false))
    private var draining: [WHEPViewer] = []

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Creates, configures and binds the socket, then hands it to NIO for reading. Returns the
    /// bound port (the first socket may bind port 0; the others then bind the port it got) and the
    /// send buffer the kernel granted for `sendBufferBytes` (SO_SNDBUF, raised past the system's
    /// `net.core.wmem_max` with SO_SNDBUFFORCE when the process may).
    func bind(host: String, port: Int, sendBufferBytes: Int, transport: WebRTCTransport) async throws -> (port: Int, sendBufferBytes: Int) {
        let address = try SocketAddress(ipAddress: host, port: port)
        let family = address.protocol == .inet6 ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(RTC_SOCK_DGRAM) | Int32(RTC_SOCK_NONBLOCK) | Int32(RTC_SOCK_CLOEXEC), 0)
        guard fd >= 0 else { throw SocketSetupError("socket(): errno \(errno)") }
        func set(_ option: Int32, _ value: Int32) {
            var value = value
            _ = setsockopt(fd, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<Int32>.size))
        }
        set(SO_REUSEADDR, 1)
        set(SO_REUSEPORT, 1)
        set(SO_RCVBUF, 4 << 20)
        let granted = Self.setSendBuffer(fd, bytes: sendBufferBytes)
        let bound = address.withSockAddr { Glibc.bind(fd, $0, socklen_t($1)) }
        guard bound == 0 else {
            let error = errno
            Glibc.close(fd)
            throw SocketSetupError("bind \(host):\(port): \(String(cString: strerror(error)))")
        }
        let channel = try await DatagramBootstrap(group: eventLoop)
            .channelOption(.datagramVectorReadMessageCount, value: 32)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 2048 * 32))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(InboundHandler(transport: transport, socket: self))
                }
            }
            .withBoundSocket(fd).get()
        let batch = UDPSendBatch(fd: fd, eventLoop: eventLoop)
        try await eventLoop.submit {
            self.channel = channel
            self.batch = batch
        }.get()
        return (channel.localAddress?.port ?? port, granted)
    }

    /// Asks for a send buffer of `bytes` and returns what the kernel granted (Linux reports twice
    /// the usable size, its bookkeeping included; that is what is returned).
    static func setSendBuffer(_ fd: CInt, bytes: Int) -> Int {
        func granted() -> Int {
            var value: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            return getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &value, &length) == 0 ? Int(value) : 0
        }
        var value = Int32(clamping: bytes)
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &value, socklen_t(MemoryLayout<Int32>.size))
        if granted() < bytes {
            _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &value, socklen_t(MemoryLayout<Int32>.size))
        }
        return granted()
    }

    /// Called from any thread when `viewer`'s reader went from empty to non-empty.
    func scheduleDrain(_ viewer: WHEPViewer) {
        let schedule = ready.withLock { state -> Bool in
            state.viewers.append(viewer)
            guard !state.scheduled else { return false }
            state.scheduled = true
            return true
        }
        if schedule { eventLoop.execute { self.drainReadyViewers() } }
    }

    private func drainReadyViewers() {
        ready.withLock { state in
            state.scheduled = false
            swap(&state.viewers, &draining)
        }
        for viewer in draining { viewer.drain() }
        draining.removeAll(keepingCapacity: true)
    }

    /// Stops sending first (the descriptor is about to be closed by NIO), then closes.
    func close() async {
        try? await eventLoop.submit { self.batch?.close() }.get()
        try? await channel?.close()
    }

    final class InboundHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let transport: WebRTCTransport
        let socket: WebRTCSocket
        init(transport: WebRTCTransport, socket: WebRTCSocket) {
            self.transport = transport
            self.socket = socket
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            guard let address = TransportAddress(envelope.remoteAddress) else { return }
            var buffer = envelope.data
            guard let bytes = buffer.readBytes(length: buffer.readableBytes) else { return }
            transport.receive(bytes, from: address, on: socket)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            // ICMP port unreachable and similar: log and keep the socket.
            transport.logger.debug("webrtc udp error: \(error)")
        }
    }
}

struct SocketSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
