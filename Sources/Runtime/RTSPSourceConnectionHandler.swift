import Ingest
import NIOCore
import RTP
import RTSP

/// One set-up track of an `RTSPSource`: its ingest state (nil when the codec is not bridged, e.g.
/// MJPEG), where its media arrives and where RTCP to the camera goes.
struct RTSPSourceTrack {
    var ingest: IngestTrack?
    var transport: RTSPTrackTransport?
    var rtpChannel: (any Channel)?
    var rtcpChannel: (any Channel)?
    /// UDP: the camera's RTCP port (server_port second value) at the camera's address.
    var rtcpDestination: SocketAddress?
    /// UDP: media is accepted only from this address (`source=` of the SETUP answer, else the
    /// camera's RTSP address).
    var allowedSource: [UInt8]?
    /// RFC 3550 §6.4 reception statistics of the current sender SSRC.
    var statistics: ReceiverStatistics?
    var clockRate: Int
    var payloadType: UInt8?
    var rejected = 0

    var channels: [any Channel] { [rtpChannel, rtcpChannel].compactMap { $0 } }
}

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
