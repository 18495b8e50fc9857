import Containers
import Ingest
import Logging
import NIOCore
import NIOPosix
import RTCBase
import Routing

/// MPEG-TS over UDP ingest (`udp+mpegts://HOST:PORT`): binds the port, joins the multicast group
/// when HOST is one, feeds every datagram to an `MPEGTSIngestSession` and performs its outputs on
/// the path. Confined to `eventLoop`.
public final class MPEGTSSource: @unchecked Sendable {
    public let pathName: String
    public let spec: MPEGTSSourceSpec
    let path: Path
    let eventLoop: any EventLoop
    let logger: Logger
    let clock: EngineClock
    /// Mutable state, touched only on `eventLoop`.
    private var session: MPEGTSIngestSession
    private var channel: (any Channel)?
    private var publisher: PublisherToken?
    private var reportedDrops = 0
    private let driver: EngineDriver

    public init(pathName: String, spec: MPEGTSSourceSpec, router: Router, eventLoop: any EventLoop, logger: Logger,
                configuration: MPEGTSIngestSession.Configuration = .init(), clock: EngineClock = .runtime) throws {
        self.pathName = pathName
        self.spec = spec
        self.path = try router.path(named: pathName) ?? router.createPath(named: pathName)
        self.eventLoop = eventLoop
        var logger = logger
        logger[metadataKey: "path"] = "\(pathName)"
        self.logger = logger
        self.clock = clock
        self.session = MPEGTSIngestSession(configuration: configuration, ssrcBase: SecureRandom.uint32(),
                                           sequenceBase: SecureRandom.uint16())
        self.driver = EngineDriver(eventLoop: eventLoop, clock: clock)
    }

    /// Binds (and joins the group); media flows to the path once the streams are ready.
    public func start() async throws {
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: eventLoop)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
                .channelInitializer { [self] channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(DatagramReceiver { [self] bytes, _ in
                            session.receive(bytes, now: clock.now())
                            drain()
                        })
                    }
                }
                .bind(host: spec.host, port: spec.port).get()
        } catch {
            throw SourceError.unusable("cannot bind UDP \(spec.host):\(spec.port): \(error)")
        }
        if spec.isMulticast {
            do {
                guard let multicast = channel as? any MulticastChannel else { throw SourceError.unusable("no multicast support") }
                let group = try SocketAddress(ipAddress: spec.host, port: spec.port)
                try await multicast.joinGroup(group, device: try device()).get()
            } catch {
                try? await channel.close()
                throw SourceError.unusable("cannot join multicast group \(spec.host)\(spec.interface.map { " on \($0)" } ?? ""): \(error)")
            }
        }
        try await eventLoop.submit { [self] in self.channel = channel }.get()
        logger.info("MPEG-TS ingest listening", metadata: ["address": "\(spec)"])
    }

    public func stop() async {
        let channel: (any Channel)? = try? await eventLoop.submit { [self] in
            session.stop()
            drain()
            driver.stop()
            return self.channel
        }.get()
        try? await channel?.close()
    }

    /// The ingest session's counters (datagrams, demuxer, published units, restarts).
    public typealias Stats = MPEGTSIngestSession.Stats

    /// Counters of the ingest and its demuxer.
    public func stats() async -> Stats {
        (try? await eventLoop.submit { [self] in session.stats }.get()) ?? MPEGTSIngestSession.Stats()
    }

    /// The bound UDP port (tests bind port 0).
    public var localPort: Int? {
        get async { (try? await eventLoop.submit { [self] in channel?.localAddress?.port }.get()) ?? nil }
    }

    /// The interface `?interface=` names, by device name or address.
    private func device() throws -> NIONetworkDevice? {
        guard let name = spec.interface else { return nil }
        let devices = try System.enumerateDevices()
        guard let device = devices.first(where: { $0.name == name }) ?? devices.first(where: { $0.address?.ipAddress == name }) else {
            throw SourceError.unusable("no interface '\(name)'")
        }
        return device
    }

    // MARK: - Driving the session (on eventLoop)

    private func drain() {
        driver.drainAndArm({ session.poll() }, deadline: { output in
            if case .timeout(let deadline) = output { deadline } else { nil }
        }, perform: perform)
    }

    private func perform(_ output: MPEGTSIngestSession.Output) {
        switch output {
        case .attach(let tracks):
            do {
                publisher = try path.attachPublisher(tracks: tracks) { }   // TS senders cannot make keyframes on request
            } catch {
                session.attachFailed()
                logger.error("cannot publish MPEG-TS source: \(error)")
            }
        case .detach:
            if let publisher { path.detachPublisher(publisher) }
            publisher = nil
        case .publish(let unit):
            if let publisher { path.publish(unit, token: publisher) }
            let stats = session.stats.demuxer
            let drops = stats.continuityErrors + stats.malformedUnits + stats.badSections + stats.resyncs
            if drops > reportedDrops {
                logger.warning("MPEG-TS input damaged", metadata: [
                    "continuityErrors": "\(stats.continuityErrors)", "damagedUnits": "\(stats.damagedUnits)",
                    "malformedUnits": "\(stats.malformedUnits)", "badSections": "\(stats.badSections)",
                    "resyncs": "\(stats.resyncs)",
                ])
                reportedDrops = drops * 2   // log again when it doubles
            }
        case .event(.program(let streams)):
            logger.info("MPEG-TS program", metadata: ["streams": "\(streams)"])
        case .event(.ready(let tracks)):
            logger.info("MPEG-TS source ready", metadata: ["tracks": "\(tracks.map { "\($0.encodingName)/\($0.clockRate)" })"])
        case .event(.restarted(let jump)):
            logger.info("MPEG-TS sender restarted (PTS jumped \(jump)); the path continues on the new timeline")
        case .timeout:
            break
        }
    }
}
