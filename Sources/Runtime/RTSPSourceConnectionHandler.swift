import NIOCore

/// Hands every read of the camera's TCP connection to the source, and tells it when the
/// connection is gone. Runs on the source's event loop.
final class RTSPSourceConnectionHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let onBytes: (ByteBuffer) -> Void
    let onClosed: () -> Void

    init(onBytes: @escaping (ByteBuffer) -> Void, onClosed: @escaping () -> Void) {
        self.onBytes = onBytes
        self.onClosed = onClosed
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        onBytes(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        onClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
