import Codecs
import Foundation
import Ingest
import Logging
import NIOCore
import NIOPosix
import RTCBase
import RTP
import Routing
import SDP

/// Plain RTP/UDP ingest described by an SDP file (what `ffmpeg -sdp_file` writes): one UDP port
/// per media section plus RTCP on port+1 (or `a=rtcp`). Publishes each track's access units to a
/// path; keyframe requests from viewers go back to the sender's RTCP address as PLI.
public final class RTPIngestSource: @unchecked Sendable {
    struct Track {
        var ingest: IngestTrack
        var rtcpSource: SocketAddress?
        var rtpChannel: (any Channel)?
        var rtcpChannel: (any Channel)?
        var info: TrackInfo { ingest.info }
    }

    public let pathName: String
    let path: Path
    let description: SessionDescription
    let eventLoop: any EventLoop
    let logger: Logger
    /// Mutable state, touched only on `eventLoop`.
    private var tracks: [Track] = []
    private var publisher: PublisherToken?
    private let localSSRC = SecureRandom.uint32()
    private var lastRestart: Instant?
    private var stopped = false

    public init(pathName: String, sdpText: String, router: Router, eventLoop: any EventLoop, logger: Logger) throws {
        self.pathName = pathName
        self.description = try SessionDescription(parsing: sdpText)
        self.path = try router.path(named: pathName) ?? router.createPath(named: pathName)
        self.eventLoop = eventLoop
        self.logger = logger
        for (index, media) in description.media.enumerated() {
            guard media.port > 0, let info = try IngestTrack.trackInfo(id: index, media: media) else { continue }
            tracks.append(Track(ingest: IngestTrack(info: info)))
        }
        guard !tracks.isEmpty else { throw SourceError.unusable("SDP has no usable RTP media section") }
    }

    /// Binds every media port; media flows to the path once the first keyframe arrives.
    public func start() async throws {
        for i in tracks.indices {
            let media = description.media[tracks[i].info.id]
            let host = description.connection(for: media).flatMap(Self.bindHost) ?? "0.0.0.0"
            let port = Int(media.port)
            let rtcpPort = media.rtcpPort.map(Int.init) ?? port + 1
            let rtp = try await bind(host: host, port: port) { [self] bytes, from in receiveRTP(bytes, track: i, from: from) }
            let rtcp = try await bind(host: host, port: rtcpPort) { [self] bytes, from in receiveRTCP(bytes, track: i, from: from) }
            try await eventLoop.submit { [self] in
                tracks[i].rtpChannel = rtp
                tracks[i].rtcpChannel = rtcp
            }.get()
            logger.info("RTP ingest listening", metadata: ["path": "\(pathName)", "track": "\(tracks[i].info.encodingName)",
                                                           "rtp": "\(host):\(port)", "rtcp": "\(host):\(rtcpPort)"])
        }
    }

    public func stop() async {
        let channels: [any Channel] = (try? await eventLoop.submit { [self] in
            stopped = true
            if let publisher { path.detachPublisher(publisher) }
            publisher = nil
            return tracks.flatMap { [$0.rtpChannel, $0.rtcpChannel].compactMap { $0 } }
        }.get()) ?? []
        for channel in channels { try? await channel.close() }
    }

    // MARK: Receiving (on eventLoop)

    private func receiveRTP(_ bytes: [UInt8], track i: Int, from: SocketAddress) {
        guard !stopped else { return }
        guard let packet = try? RTPPacket(parsing: bytes), packet.payloadType == tracks[i].info.payloadType else {
            tracks[i].ingest.malformed += 1
            return
        }
        let now = RuntimeClock.now()
        let (units, ssrcChanged) = tracks[i].ingest.receive(packet, arrival: now)
        if ssrcChanged { sourceRestarted(ssrc: packet.ssrc, now: now) }
        for unit in units {
            if unit.isKeyframe { attachIfReady() }
            guard let publisher else { continue }
            path.publish(unit, token: publisher)
        }
    }

    /// A sender that changes SSRC has restarted (new timeline): the path gets a new publisher
    /// epoch, so viewers keep their SSRC, continue sequence numbers and move timestamps on by the
    /// wall-clock gap, resuming at the next keyframe. The other tracks of the same encoder switch
    /// moments later; one restart covers them.
    private func sourceRestarted(ssrc: UInt32, now: Instant) {
        if let lastRestart, now - lastRestart < .seconds(2) { return }
        lastRestart = now
        logger.info("RTP source restarted (new SSRC)", metadata: ["path": "\(pathName)", "ssrc": "\(ssrc)"])
        guard let publisher else { return }
        path.detachPublisher(publisher)
        self.publisher = nil
        attachIfReady()
    }

    private func attachIfReady() {
        guard publisher == nil, tracks.allSatisfy({ $0.ingest.isReady }) else { return }
        do {
            publisher = try path.attachPublisher(tracks: tracks.map(\.info)) { [weak self] in
                guard let self else { return }
                self.eventLoop.execute { self.sendPLI() }
            }
            logger.info("RTP source ready", metadata: ["path": "\(pathName)",
                                                       "tracks": "\(tracks.map { "\($0.info.encodingName)/\($0.info.clockRate)" })"])
        } catch {
            logger.error("cannot publish RTP source: \(error)", metadata: ["path": "\(pathName)"])
        }
    }

    private func receiveRTCP(_ bytes: [UInt8], track i: Int, from: SocketAddress) {
        guard !stopped else { return }
        guard (try? RTCPCompound.parse(bytes[...])) != nil else { tracks[i].ingest.malformed += 1; return }
        tracks[i].rtcpSource = from
    }

    /// RFC 4585 §6.3.1 PLI to every video sender whose RTCP address we know.
    private func sendPLI() {
        for track in tracks where track.info.kind == .video {
            guard let to = track.rtcpSource, let ssrc = track.ingest.sourceSSRC, let channel = track.rtcpChannel else { continue }
            let pli = RTCPCompound.serialize([.pictureLossIndication(RTCPPictureLossIndication(senderSSRC: localSSRC, mediaSSRC: ssrc))])
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: to, data: channel.allocator.buffer(bytes: pli)), promise: nil)
        }
    }

    // MARK: Setup helpers

    private func bind(host: String, port: Int, onDatagram: @escaping @Sendable ([UInt8], SocketAddress) -> Void) async throws -> any Channel {
        do {
            return try await DatagramBootstrap(group: eventLoop)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(DatagramReceiver(onDatagram))
                    }
                }
                .bind(host: host, port: port).get()
        } catch {
            throw SourceError.unusable("cannot bind UDP \(host):\(port): \(error)")
        }
    }

    /// Where to bind for a `c=` line: its address when unicast, all addresses when multicast.
    static func bindHost(_ connection: String) -> String? {
        guard let address = SessionDescription.connectionAddress(connection) else { return nil }
        if let first = address.split(separator: ".").first, let octet = Int(first), (224...239).contains(octet) {
            return "0.0.0.0"   // multicast: bind the port on all addresses
        }
        return address
    }
}

/// Hands each received datagram's bytes to a closure (on the channel's event loop).
final class DatagramReceiver: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let onDatagram: @Sendable ([UInt8], SocketAddress) -> Void
    init(_ onDatagram: @escaping @Sendable ([UInt8], SocketAddress) -> Void) { self.onDatagram = onDatagram }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        var buffer = envelope.data
        guard let bytes = buffer.readBytes(length: buffer.readableBytes) else { return }
        onDatagram(bytes, envelope.remoteAddress)
    }
    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}
