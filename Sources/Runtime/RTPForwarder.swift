import Egress
import Foundation
import Logging
import NIOCore
import NIOPosix
import RTCBase
import Routing

/// Sends one path as plain RTP to one destination: drives an `RTPForwarderSession` on its event
/// loop with the path reader's events, the receivers' RTCP and a report timer, and writes the
/// receiver SDP file. Per media kind it binds a local port pair (RTP from P, RTCP from P+1) and
/// reads RTCP on both, so feedback arrives whether a receiver answers to where RTCP came from
/// (ffmpeg) or to the media source port + 1. Confined to `eventLoop` after `start()`.
public final class RTPForwarder: @unchecked Sendable {
    struct Sockets {
        var rtp: any Channel
        var rtcp: any Channel
        var rtpDestination: SocketAddress
        var rtcpDestination: SocketAddress
    }

    public let path: Path
    public let spec: ForwardSpec
    /// Where the receiver SDP is written (atomically: a temporary file, then rename).
    public let sdpFile: String
    let ssrcs: (video: UInt32, audio: UInt32)
    let eventLoop: any EventLoop
    let logger: Logger
    /// Local (RTP, RTCP) ports per kind, set by `start()`.
    public private(set) var localPorts: [TrackKind: (rtp: Int, rtcp: Int)] = [:]
    // Touched only on eventLoop.
    private var session: RTPForwarderSession
    private var sockets: [TrackKind: Sockets] = [:]
    private var reader: PathReader?
    private let driver: EngineDriver
    private var stopped = false
    private var sdpWrites: EventLoopFuture<Void>

    public init(path: Path, spec: ForwardSpec, sdpFile: String, eventLoop: any EventLoop, logger: Logger) {
        self.path = path
        self.spec = spec
        self.sdpFile = sdpFile
        self.eventLoop = eventLoop
        self.logger = logger
        let configuration = RTPForwarderSession.Configuration(pathName: path.name, spec: spec,
                                                              wallClockAnchor: RuntimeClock.wallClockAnchor())
        self.ssrcs = (configuration.videoSSRC, configuration.audioSSRC)
        self.session = RTPForwarderSession(configuration: configuration)
        self.sdpWrites = eventLoop.makeSucceededVoidFuture()
        self.driver = EngineDriver(eventLoop: eventLoop)
        driver.onTimeout { [weak self] now in
            guard let self, !self.stopped else { return }
            self.session.handle(.timeout, now: now)
            self.processOutputs()
        }
    }

    /// The session's counters.
    public func stats() async throws -> RTPForwarderStats {
        try await eventLoop.submit { self.session.stats }.get()
    }

    /// The outbound SSRC of a kind.
    public func ssrc(for kind: TrackKind) -> UInt32 {
        kind == .video ? ssrcs.video : ssrcs.audio
    }

    /// Binds the local sockets and starts reading the path.
    public func start() async throws {
        var bound: [TrackKind: Sockets] = [:]
        do {
            for (kind, port) in [(TrackKind.video, spec.videoPort), (.audio, spec.audioPort)] {
                let (rtp, rtcp) = try await bindPair(kind: kind)
                bound[kind] = Sockets(rtp: rtp, rtcp: rtcp,
                                      rtpDestination: try SocketAddress(ipAddress: spec.host, port: Int(port)),
                                      rtcpDestination: try SocketAddress(ipAddress: spec.host, port: Int(port) + 1))
                localPorts[kind] = (rtp.localAddress?.port ?? 0, rtcp.localAddress?.port ?? 0)
            }
        } catch {
            for sockets in bound.values {
                try? await sockets.rtp.close()
                try? await sockets.rtcp.close()
            }
            throw error
        }
        let ready = bound
        try await eventLoop.submit { [self] in
            sockets = ready
            let loop = eventLoop
            reader = try path.addReader(wake: { [weak self] in
                let forwarder = self
                loop.execute { forwarder?.drain() }
            })
            drain()
        }.get()
        logger.info("RTP forward started", metadata: [
            "path": "\(path.name)", "destination": "\(spec)", "sdp": "\(sdpFile)",
            "local": "\(localPorts.map { "\($0.key)=\($0.value.rtp)/\($0.value.rtcp)" }.sorted())",
        ])
    }

    /// Sends BYE, leaves the path and closes the sockets. Waits for a pending SDP write.
    public func stop() async {
        let (channels, writes): ([any Channel], EventLoopFuture<Void>?) = (try? await eventLoop.submit { [self] in
            if !stopped {
                session.close(now: RuntimeClock.now())
                processOutputs()
                finish()
            }
            let channels = sockets.values.flatMap { [$0.rtp, $0.rtcp] }
            sockets = [:]
            return (channels, sdpWrites)
        }.get()) ?? ([], nil)
        try? await writes?.get()
        for channel in channels { try? await channel.close() }
    }

    // MARK: On eventLoop

    private func finish() {
        stopped = true
        driver.stop()
        if let reader { path.removeReader(reader) }
        reader = nil
    }

    /// Moves queued events from the path into the session, in bounded batches.
    private func drain() {
        guard let reader, !stopped else { return }
        let more = reader.drain { events in
            let now = RuntimeClock.now()
            for event in events { session.handle(.reader(event), now: now) }
            processOutputs()
            return !stopped
        }
        if more { eventLoop.execute { [weak self] in self?.drain() } }
    }

    private func receive(_ bytes: [UInt8], kind: TrackKind) {
        guard !stopped else { return }
        let reportsBefore = session.stats.receiverReportsReceived
        session.handle(.datagram(bytes, kind: kind), now: RuntimeClock.now())
        if reportsBefore == 0, session.stats.receiverReportsReceived > 0 {
            logger.info("RTP receiver is reporting", metadata: ["path": "\(path.name)", "kind": "\(kind)"])
        }
        processOutputs()
    }

    /// Drains the session's outputs: datagrams to the sockets (dropped and reported when a socket
    /// is not writable, so a slow destination never queues without bound), events, the timer.
    private func processOutputs() {
        var written: Set<ObjectIdentifier> = []
        var flushList: [any Channel] = []
        defer { for channel in flushList { channel.flush() } }
        driver.drainAndArm({ session.poll() }, deadline: { output in
            if case .timeout(let deadline) = output { deadline } else { nil }
        }) { output in
            switch output {
            case .transmit(let datagram):
                guard let sockets = sockets[datagram.kind] else { return }
                let channel = datagram.isRTCP ? sockets.rtcp : sockets.rtp
                guard channel.isWritable else {
                    session.handle(.sendFailed(datagram.kind), now: RuntimeClock.now())
                    return
                }
                let to = datagram.isRTCP ? sockets.rtcpDestination : sockets.rtpDestination
                channel.write(AddressedEnvelope(remoteAddress: to, data: channel.allocator.buffer(bytes: datagram.bytes)),
                              promise: nil)
                if written.insert(ObjectIdentifier(channel)).inserted { flushList.append(channel) }
            case .event(.keyframeRequested):
                path.requestKeyframe()
            case .event(.descriptionChanged(let text)):
                writeDescription(text)
            case .event(.closed):
                logger.info("RTP forward ended: path removed", metadata: ["path": "\(path.name)"])
                finish()
            case .timeout:
                break
            }
        }
    }

    /// Writes the SDP off the event loop (temporary file + rename, so readers never see half a
    /// file); writes stay in order.
    private func writeDescription(_ text: String) {
        let file = sdpFile, logger = logger, pathName = path.name
        sdpWrites = sdpWrites.flatMap { [eventLoop] in
            NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) {
                try Self.writeAtomically(text, to: file)
            }
        }.map {
            logger.info("receiver SDP written", metadata: ["path": "\(pathName)", "file": "\(file)"])
        }.recover { error in
            logger.warning("cannot write receiver SDP: \(error)", metadata: ["path": "\(pathName)", "file": "\(file)"])
        }
    }

    static func writeAtomically(_ text: String, to file: String) throws {
        let temporary = file + ".tmp-\(getpid())"
        try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, file) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(atPath: temporary)
            throw SourceError.unusable("rename to \(file) failed: \(String(cString: strerror(code)))")
        }
    }

    // MARK: Setup

    /// Two adjacent local ports (P for RTP, P+1 for RTCP), both reading RTCP from receivers.
    private func bindPair(kind: TrackKind) async throws -> (any Channel, any Channel) {
        let host = spec.isIPv6 ? "::" : "0.0.0.0"
        for _ in 0..<32 {
            let rtp = try await bind(host: host, port: 0, kind: kind)
            guard let port = rtp.localAddress?.port, port < 65535 else { try? await rtp.close(); continue }
            if let rtcp = try? await bind(host: host, port: port + 1, kind: kind) { return (rtp, rtcp) }
            try? await rtp.close()
        }
        throw SourceError.unusable("no free local UDP port pair for \(kind) RTP/RTCP")
    }

    private func bind(host: String, port: Int, kind: TrackKind) async throws -> any Channel {
        var bootstrap = DatagramBootstrap(group: eventLoop)
            .channelOption(.socketOption(.so_sndbuf), value: 1 << 20)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    // The channel holds the forwarder until `stop()` closes it.
                    try channel.pipeline.syncOperations.addHandler(DatagramReceiver { [self] bytes, _ in
                        receive(bytes, kind: kind)
                    })
                }
            }
        if let ttl = spec.multicastTTL {
            let option = spec.isIPv6
                ? ChannelOptions.Types.SocketOption(level: .ipv6, name: .ipv6_multicast_hops)
                : ChannelOptions.Types.SocketOption(level: .ip, name: .ip_multicast_ttl)
            bootstrap = bootstrap.channelOption(option, value: SocketOptionValue(ttl))
        }
        return try await bootstrap.bind(host: host, port: port).get()
    }
}
