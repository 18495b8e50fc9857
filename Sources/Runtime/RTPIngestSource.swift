import Ingest
import Logging
import NIOCore
import NIOPosix
import RTCBase
import Routing
import SDP

/// Plain RTP/UDP ingest described by an SDP file: binds each `RTPIngestSession` listener (RTP and
/// RTCP port per media section), feeds it every datagram and performs its outputs on the path.
/// The session decides everything else (sender lock, restarts, PLI). Confined to `eventLoop`.
public final class RTPIngestSource: @unchecked Sendable {
    public let pathName: String
    let path: Path
    let eventLoop: any EventLoop
    let logger: Logger
    let clock: EngineClock
    /// Tests: bind ephemeral ports instead of the SDP's (read them from `localPorts`).
    let bindsEphemeralPorts: Bool
    /// Mutable state, touched only on `eventLoop`.
    private var session: RTPIngestSession
    private var rtpChannels: [Int: any Channel] = [:]
    private var rtcpChannels: [Int: any Channel] = [:]
    private var publisher: PublisherToken?
    private let driver: EngineDriver

    public convenience init(pathName: String, sdpText: String, router: Router, eventLoop: any EventLoop, logger: Logger) throws {
        try self.init(pathName: pathName, sdpText: sdpText, configuration: RTPIngestSession.Configuration(), router: router,
                      eventLoop: eventLoop, logger: logger)
    }

    init(pathName: String, sdpText: String, configuration: RTPIngestSession.Configuration, router: Router,
         eventLoop: any EventLoop, logger: Logger, clock: EngineClock = .runtime, bindsEphemeralPorts: Bool = false) throws {
        self.pathName = pathName
        self.session = try RTPIngestSession(description: try SessionDescription(parsing: sdpText), configuration: configuration,
                                            localSSRC: SecureRandom.uint32())
        self.path = try router.path(named: pathName) ?? router.createPath(named: pathName)
        self.eventLoop = eventLoop
        var logger = logger
        logger[metadataKey: "path"] = "\(pathName)"
        self.logger = logger
        self.clock = clock
        self.bindsEphemeralPorts = bindsEphemeralPorts
        self.driver = EngineDriver(eventLoop: eventLoop, clock: clock)
    }

    /// Binds every listener; media flows to the path once the first keyframe arrives.
    public func start() async throws {
        for listener in session.listeners {
            let track = listener.track
            let rtpPort = bindsEphemeralPorts ? 0 : listener.rtpPort, rtcpPort = bindsEphemeralPorts ? 0 : listener.rtcpPort
            let rtp = try await bind(host: listener.host, port: rtpPort) { [self] bytes, from in
                receive { $0.receiveRTP(bytes, track: track, from: from, now: $1) }
            }
            let rtcp = try await bind(host: listener.host, port: rtcpPort) { [self] bytes, from in
                receive { $0.receiveRTCP(bytes, track: track, from: from, now: $1) }
            }
            try await eventLoop.submit { [self] in
                rtpChannels[track] = rtp
                rtcpChannels[track] = rtcp
                drain()
            }.get()
            logger.info("RTP ingest listening", metadata: [
                "track": "\(session.infos[track].encodingName)",
                "rtp": "\(listener.host):\(rtp.localAddress?.port ?? rtpPort)",
                "rtcp": "\(listener.host):\(rtcp.localAddress?.port ?? rtcpPort)",
            ])
        }
    }

    public func stop() async {
        let channels: [any Channel] = (try? await eventLoop.submit { [self] in
            session.stop()
            drain()
            driver.stop()
            return Array(rtpChannels.values) + Array(rtcpChannels.values)
        }.get()) ?? []
        for channel in channels { try? await channel.close() }
    }

    /// Counters of the ingest (accepted, malformed, dropped from foreign senders, restarts).
    public func stats() async -> RTPIngestSession.Stats {
        (try? await eventLoop.submit { [self] in session.stats }.get()) ?? RTPIngestSession.Stats()
    }

    /// The bound (RTP, RTCP) ports per track.
    var localPorts: [(rtp: Int, rtcp: Int)] {
        get async {
            (try? await eventLoop.submit { [self] in
                rtpChannels.keys.sorted().map { (rtpChannels[$0]?.localAddress?.port ?? 0, rtcpChannels[$0]?.localAddress?.port ?? 0) }
            }.get()) ?? []
        }
    }

    // MARK: - Driving the session (on eventLoop)

    private func receive(_ input: (inout RTPIngestSession, Instant) -> Void) {
        input(&session, clock.now())
        drain()
    }

    private func drain() {
        driver.drainAndArm({ session.poll() }, deadline: { output in
            if case .timeout(let deadline) = output { deadline } else { nil }
        }, perform: perform)
    }

    private func perform(_ output: RTPIngestSession.Output) {
        switch output {
        case .attach(let tracks):
            do {
                publisher = try path.attachPublisher(tracks: tracks) { [weak self] in
                    guard let self else { return }
                    self.eventLoop.execute {
                        self.session.requestKeyframe()
                        self.drain()
                    }
                }
            } catch {
                session.attachFailed()
                logger.error("cannot publish RTP source: \(error)")
            }
        case .detach:
            if let publisher { path.detachPublisher(publisher) }
            publisher = nil
        case .publish(let unit):
            if let publisher { path.publish(unit, token: publisher) }
        case .sendRTCP(let track, let bytes, let to):
            guard let channel = rtcpChannels[track], let address = to.socketAddress else { return }
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: channel.allocator.buffer(bytes: bytes)), promise: nil)
        case .event(let event):
            log(event)
        case .timeout:
            break
        }
    }

    private func log(_ event: RTPIngestSession.Event) {
        switch event {
        case .ready(let tracks):
            logger.info("RTP source ready", metadata: ["tracks": "\(tracks.map { "\($0.encodingName)/\($0.clockRate)" })"])
        case .sourceLocked(let host, let configured):
            logger.info("RTP ingest accepts only \(host)", metadata: ["from": "\(configured ? "a=source-filter" : "first sender")"])
        case .sourceReplaced(let previous, let host):
            logger.info("RTP sender \(previous) silent; \(host) took over")
        case .restarted(let ssrc):
            logger.info("RTP source restarted (new SSRC)", metadata: ["ssrc": "\(ssrc)"])
        case .foreignSenderDropped(let host):
            logger.warning("RTP ingest drops datagrams from \(host): another sender holds the path")
        }
    }

    // MARK: - Setup helpers

    private func bind(host: String, port: Int, onDatagram: @escaping @Sendable ([UInt8], TransportAddress) -> Void) async throws -> any Channel {
        do {
            return try await DatagramBootstrap(group: eventLoop)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(DatagramReceiver { bytes, from in
                            guard let from = TransportAddress(from) else { return }
                            onDatagram(bytes, from)
                        })
                    }
                }
                .bind(host: host, port: port).get()
        } catch {
            throw SourceError.unusable("cannot bind UDP \(host):\(port): \(error)")
        }
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
