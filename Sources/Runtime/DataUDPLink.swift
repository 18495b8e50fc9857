import Logging
import NIOCore
import NIOPosix
import RTCBase
import Routing

/// The UDP data device of a path (`--data NAME=udp://…`, issue #9): one NIO datagram channel.
/// Every datagram is published on the path's data bus as one message (a source: it reaches every
/// session's data channels); every message the bus queues for it (what browsers send) leaves as
/// one datagram to the last sender's address, or the fixed `reply`. Datagrams bigger than the bus
/// carries are dropped and counted. Confined to `eventLoop`.
public final class DataUDPLink: @unchecked Sendable {
    public struct Stats: Sendable, Equatable {
        public var datagramsIn = 0, bytesIn = 0
        public var datagramsOut = 0, bytesOut = 0
        /// Datagrams over `maxSize` or too large for the bus, or messages too large for a datagram; messages with
        /// no address to go to yet (no datagram received and no `reply`).
        public var droppedTooLarge = 0
        public var droppedNoTarget = 0
        /// Of `droppedTooLarge`: messages too large for a datagram (the rest the bus refused).
        public var droppedTooLargeOut = 0
        /// Datagrams the kernel dropped because the socket's receive buffer was full (Linux,
        /// /proc/net/udp; read at `stats()`).
        public var droppedReceiveBuffer = 0
        public init() {}
    }

    public let pathName: String
    public let spec: DataUDPSpec
    let path: Path
    let eventLoop: any EventLoop
    let logger: Logger
    /// Loop-confined state.
    private var channel: (any Channel)?
    private var reader: DataBusReader?
    private var lastSender: SocketAddress?
    private var replyAddress: SocketAddress?
    private var counters = Stats()
    static let messagesPerPass = 256
    /// Largest UDP payload (IPv4: 65,535 − 8 − 20); bigger browser messages are dropped and counted.
    static let maxDatagramBytes = 65_507

    public init(pathName: String, spec: DataUDPSpec, router: Router, eventLoop: any EventLoop, logger: Logger) throws {
        self.pathName = pathName
        self.spec = spec
        self.path = try router.path(named: pathName) ?? router.createPath(named: pathName)
        self.eventLoop = eventLoop
        var logger = logger
        logger[metadataKey: "path"] = "\(pathName)"
        self.logger = logger
        if let reply = spec.reply {
            replyAddress = try SocketAddress(ipAddress: reply.host, port: Int(reply.port))
        }
    }

    public func start() async throws {
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: eventLoop)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelOption(.socketOption(.so_rcvbuf), value: 1 << 20)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
                .channelInitializer { [self] channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(DatagramReceiver { [self] bytes, from in
                            receive(bytes, from: from)
                        })
                    }
                }
                .bind(host: spec.host, port: spec.port).get()
        } catch {
            throw SourceError.unusable("cannot bind data UDP \(spec.host):\(spec.port): \(error)")
        }
        let loop = eventLoop
        let reader = try path.dataBus.addReader(role: .source, kind: "udp", name: "\(spec.host):\(spec.port)") { [weak self] in
            guard let self else { return }
            loop.execute { self.drain() }
        }
        try await eventLoop.submit { [self] in
            self.channel = channel
            self.reader = reader
        }.get()
        logger.info("data UDP listening", metadata: ["address": "\(spec)"])
    }

    public func stop() async {
        let channel: (any Channel)? = try? await eventLoop.submit { [self] in
            if let reader { path.dataBus.removeReader(reader) }
            reader = nil
            return self.channel
        }.get()
        try? await channel?.close()
    }

    public func stats() async -> Stats {
        let read = try? await eventLoop.submit { [self] in (counters, channel?.localAddress?.port) }.get()
        guard var stats = read?.0, let port = read?.1 else { return read?.0 ?? Stats() }
        stats.droppedReceiveBuffer = DataUDPSocketDrops.read(port: port)
        return stats
    }

    /// The bound UDP port (tests bind port 0).
    public var localPort: Int? {
        get async { (try? await eventLoop.submit { [self] in channel?.localAddress?.port }.get()) ?? nil }
    }

    // MARK: - On eventLoop

    private func receive(_ bytes: [UInt8], from sender: SocketAddress) {
        lastSender = sender
        counters.datagramsIn += 1
        counters.bytesIn += bytes.count
        guard bytes.count <= spec.maxSize else {
            counters.droppedTooLarge += 1
            return
        }
        guard let reader else { return }
        if !path.dataBus.publish(spec.message(bytes), from: reader) { counters.droppedTooLarge += 1 }
    }

    /// Sends what browsers sent, one datagram per message, in bounded passes.
    private func drain() {
        guard let reader, let channel else { return }
        let messages = reader.drain(max: Self.messagesPerPass)
        guard let target = replyAddress ?? lastSender else {
            counters.droppedNoTarget += messages.count
            return
        }
        for message in messages {
            guard message.payload.count <= Self.maxDatagramBytes else {
                counters.droppedTooLarge += 1
                counters.droppedTooLargeOut += 1
                continue
            }
            var buffer = channel.allocator.buffer(capacity: message.payload.count)
            buffer.writeBytes(message.payload)
            channel.write(AddressedEnvelope(remoteAddress: target, data: buffer), promise: nil)
            counters.datagramsOut += 1
            counters.bytesOut += message.payload.count
        }
        channel.flush()
        if messages.count == Self.messagesPerPass { eventLoop.execute { [weak self] in self?.drain() } }
    }
}
