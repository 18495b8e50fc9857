import Codecs
import Foundation
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
        var info: TrackInfo
        var assembler: RTPUnitAssembler
        var sourceSSRC: UInt32?
        var sawKeyframe = false
        var spropNALUnits: [[UInt8]] = []
        var rtcpSource: SocketAddress?
        var rtpChannel: (any Channel)?
        var rtcpChannel: (any Channel)?
        var packetsIn = 0
        var malformed = 0
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
    private var stopped = false

    public init(pathName: String, sdpText: String, router: Router, eventLoop: any EventLoop, logger: Logger) throws {
        self.pathName = pathName
        self.description = try SessionDescription(parsing: sdpText)
        self.path = try router.path(named: pathName) ?? router.createPath(named: pathName)
        self.eventLoop = eventLoop
        self.logger = logger
        for (index, media) in description.media.enumerated() {
            guard let info = try Self.trackInfo(index: index, media: media) else { continue }
            let codec = CodecRegistry.descriptor(forEncodingName: info.encodingName)
            var track = Track(info: info, assembler: RTPUnitAssembler(trackID: index, isVideo: info.kind == .video, codec: codec))
            if let sprop = info.fmtp["sprop-parameter-sets"] { track.spropNALUnits = H264.parseSpropParameterSets(sprop) }
            tracks.append(track)
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
            tracks[i].malformed += 1
            return
        }
        tracks[i].packetsIn += 1
        if tracks[i].sourceSSRC != packet.ssrc {
            if tracks[i].sourceSSRC != nil {
                logger.info("RTP source changed SSRC", metadata: ["path": "\(pathName)", "ssrc": "\(packet.ssrc)"])
            }
            tracks[i].sourceSSRC = packet.ssrc
        }
        let now = RuntimeClock.now()
        for var unit in tracks[i].assembler.push(packet, arrival: now) {
            if unit.isKeyframe, tracks[i].info.kind == .video { noteKeyframe(&unit, track: i) }
            guard let publisher else { continue }
            path.publish(unit, token: publisher)
        }
    }

    /// First keyframe: learn the H.264 profile from the SPS, add SPS/PPS from the SDP when the
    /// stream carries none in-band, and attach the publisher once every video track is ready.
    private func noteKeyframe(_ unit: inout MediaUnit, track i: Int) {
        if tracks[i].info.encodingName.uppercased() == "H264" {
            let inBand = unit.packets.flatMap { H264.parameterSets(inPayload: $0.payload) }
            let inBandSPS = inBand.first { H264.nalType($0.first ?? 0) == H264.NALType.sps }
            if inBandSPS == nil, !tracks[i].spropNALUnits.isEmpty, let first = unit.packets.first {
                // No SPS/PPS in-band: send the SDP's sprop-parameter-sets ahead of the IDR.
                var packetizer = H264Packetizer()
                let parameterSets = AccessUnit(payloads: tracks[i].spropNALUnits, rtpTimestamp: first.timestamp, isKeyframe: true)
                let injected = packetizer.packetize(parameterSets, maxPayloadSize: 1188).map { payload, _ in
                    RTPPacket(payloadType: first.payloadType, sequenceNumber: first.sequenceNumber,
                              timestamp: first.timestamp, ssrc: first.ssrc, marker: false, payload: payload)
                }
                unit.packets.insert(contentsOf: injected, at: 0)
            }
            let sps = inBandSPS.map(Array.init) ?? tracks[i].spropNALUnits.first { H264.nalType($0.first ?? 0) == H264.NALType.sps }
            if tracks[i].info.fmtp["profile-level-id"] == nil, let sps, sps.count >= 4 {
                tracks[i].info.fmtp["profile-level-id"] = Array(sps[1...3]).hexString
            }
        }
        tracks[i].sawKeyframe = true
        attachIfReady()
    }

    private func attachIfReady() {
        guard publisher == nil, tracks.allSatisfy({ $0.info.kind != .video || $0.sawKeyframe }) else { return }
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
        guard (try? RTCPCompound.parse(bytes[...])) != nil else { tracks[i].malformed += 1; return }
        tracks[i].rtcpSource = from
    }

    /// RFC 4585 §6.3.1 PLI to every video sender whose RTCP address we know.
    private func sendPLI() {
        for track in tracks where track.info.kind == .video {
            guard let to = track.rtcpSource, let ssrc = track.sourceSSRC, let channel = track.rtcpChannel else { continue }
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

    static func trackInfo(index: Int, media: MediaDescription) throws -> TrackInfo? {
        let kind: TrackKind
        switch media.kind {
        case .video: kind = .video
        case .audio: kind = .audio
        default: return nil
        }
        guard media.port > 0, let format = media.formats.first, let pt = UInt8(format), pt < 128 else { return nil }
        if let map = media.rtpMaps.first(where: { $0.payloadType == pt }) {
            return TrackInfo(id: index, kind: kind, encodingName: map.encodingName, clockRate: map.clockRate,
                             channels: map.channels, fmtp: media.fmtp(pt), payloadType: pt)
        }
        switch pt {   // RFC 3551 static payload types
        case 0: return TrackInfo(id: index, kind: kind, encodingName: "PCMU", clockRate: 8000, channels: 1, fmtp: [:], payloadType: 0)
        case 8: return TrackInfo(id: index, kind: kind, encodingName: "PCMA", clockRate: 8000, channels: 1, fmtp: [:], payloadType: 8)
        default: throw SourceError.unusable("media section \(index): payload type \(pt) has no rtpmap")
        }
    }
}

/// Errors starting a source.
public enum SourceError: Error, CustomStringConvertible {
    case unusable(String)
    public var description: String {
        switch self { case .unusable(let reason): return reason }
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
