import NIOCore

/// Collects the datagrams of one read burst (the socket reads NIO does before
/// `channelReadComplete`, at most `maxBurst`) and hands them over together, so a receiver that
/// passes datagrams to another event loop hops once per burst instead of once per datagram.
final class DatagramBurstReceiver: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    struct Datagram: Sendable {
        var bytes: [UInt8]
        var from: SocketAddress
    }

    /// Datagrams per burst at most (also the channel's `maxMessagesPerRead`).
    static let maxBurst = 32

    private let onBurst: @Sendable ([Datagram]) -> Void
    private var burst: [Datagram] = []

    init(_ onBurst: @escaping @Sendable ([Datagram]) -> Void) {
        self.onBurst = onBurst
        burst.reserveCapacity(Self.maxBurst)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        var buffer = envelope.data
        guard let bytes = buffer.readBytes(length: buffer.readableBytes) else { return }
        burst.append(Datagram(bytes: bytes, from: envelope.remoteAddress))
        if burst.count >= Self.maxBurst { deliver() }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        deliver()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deliver()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {}

    private func deliver() {
        guard !burst.isEmpty else { return }
        let datagrams = burst
        burst.removeAll(keepingCapacity: true)
        onBurst(datagrams)
    }
}
