import ICE
import Codecs
import Containers
import DTLS
import Egress
import Foundation
import Ingest
import Logging
import NIOCore
import NIOPosix
import Recording
import Routing
import RTCBase
import RTSP
import Synchronization
import Transcode
import WHIP

/// Where a path's media comes from.
public enum SourceSpec: Sendable, Equatable, CustomStringConvertible {
    /// The embedded looping demo clip.
    case demo
    /// Plain RTP described by an SDP file (e.g. `ffmpeg -sdp_file`).
    case rtpSDPFile(String)
    /// No source of its own: WHIP publishers (`POST /{path}/whip`) or RTSP publishers
    /// (ANNOUNCE/RECORD) publish into it.
    case publisher
    /// Looping files paced in real time: a video file (Annex-B H.264/H.265 at 30 fps, IVF, or an
    /// MP4 with video and/or audio) and/or Ogg/Opus (`clip.mp4`, `clip.ivf`, `clip.h265`,
    /// `clip.opus`, or `clip.h264+clip.opus`).
    case files(video: String?, audio: String?)
    /// An RTSP camera or server, pulled (`rtsp://[user:pass@]host[:port]/path`).
    case rtsp(RTSPSourceSpec)
    /// MPEG-TS over UDP (`udp+mpegts://HOST:PORT[?interface=NAME]`, unicast or a multicast group).
    case mpegTS(MPEGTSSourceSpec)
    /// A remote WHEP endpoint, pulled (`whep://HOST:PORT/PATH`, `wheps://` for HTTPS).
    case whep(WHIPClientTarget)

    /// Parses the SOURCE part of `--path NAME=SOURCE` or a config `source:` value.
    public init(parsing text: String) throws {
        if text == "demo" {
            self = .demo
        } else if text == "publisher" {
            self = .publisher
        } else if text.lowercased().hasPrefix("rtsp://") || text.lowercased().hasPrefix("rtsps://") {
            self = .rtsp(try RTSPSourceSpec(parsing: text))
        } else if WHIPClientTarget.isClientURL(text) {
            self = .whep(try WHIPClientTarget.source(parsing: text))
        } else if text.lowercased().hasPrefix(MPEGTSSourceSpec.scheme) {
            self = .mpegTS(try MPEGTSSourceSpec(parsing: text))
        } else if let files = Self.files(text) {
            self = files
        } else if text.hasSuffix(".sdp") {
            self = .rtpSDPFile(text)
        } else {
            throw SourceError.unusable("unknown source '\(text)': use 'demo', 'publisher', an rtsp:// URL, udp+mpegts://HOST:PORT, an .sdp file, or files (clip.mp4, clip.ivf, clip.h265, clip.h264+clip.opus)")
        }
    }

    /// `X.h264`, `X.opus` or `X.h264+Y.opus` (either order; any `MediaFileKind` in the first
    /// place, an MP4 too); nil for anything else.
    public static func files(_ text: String) -> SourceSpec? {
        let parts = text.split(separator: "+", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(parts.count) else { return nil }
        let video = parts.filter { MediaFileKind(path: $0).map { $0.kind != .audio } == true }
        let audio = parts.filter { MediaFileKind(path: $0)?.kind == .audio }
        guard video.count <= 1, audio.count <= 1, video.count + audio.count == parts.count else { return nil }
        return .files(video: video.first, audio: audio.first)
    }

    public var description: String {
        switch self {
        case .demo: return "demo"
        case .rtpSDPFile(let file): return "rtp(\(file))"
        case .publisher: return "publisher"
        case .files(let video, let audio): return "files(\([video, audio].compactMap { $0 }.joined(separator: "+")))"
        case .rtsp(let spec): return spec.description   // credentials redacted
        case .mpegTS(let spec): return spec.description
        case .whep(let target): return target.description   // token redacted
        }
    }
}

/// Everything the runtime needs to run; the app fills it from flags and YAML.
public struct GatewayConfiguration: Sendable {
    public var webRTCBindHost = "0.0.0.0"
    public var webRTCUDPPort = 8189
    /// Addresses advertised as ICE host candidates (with the bound UDP port unless they carry
    /// their own); empty = every interface's IPv4 address.
    public var iceHostAddresses: [ICEAdvertisedAddress] = []
    /// STUN/TURN servers (`--ice-server`); the first `stun:` one gives the server-reflexive candidate.
    public var iceServers: [ICEServer] = []
    /// Binding rounds to that STUN server (refresh every 5 minutes by default; `webrtc.stunRefresh`).
    public var serverReflexive = ServerReflexiveConfiguration()
    /// ICE-TCP passive (off unless `webRTCTCP.port` is set).
    public var webRTCTCP = WebRTCTCPSettings()
    public var paths: [(name: String, source: SourceSpec)] = []
    /// Plain RTP/UDP egress per path (`--forward NAME=rtp://HOST:PORT`).
    public var forwards: [(path: String, spec: ForwardSpec)] = []
    /// Pushes to remote WHIP endpoints per path (`--forward NAME=whip://HOST:PORT/PATH`).
    public var whipForwards: [(path: String, target: WHIPClientTarget)] = []
    /// UDP data devices per path (`--data NAME=udp://HOST:PORT`).
    public var dataDevices: [(path: String, spec: DataUDPSpec)] = []
    /// Recordings per path (`--record NAME=DIR`).
    public var recordings: [(path: String, spec: RecordSpec)] = []
    public var routing = RoutingLimits()
    /// Publisher paths where a new WHIP publisher replaces the current one (instead of 409).
    public var takeoverPaths: Set<String> = []
    /// WebRTC sessions at once, and per client address (WHIP and WHEP together).
    public var maxWebRTCSessions = 1000
    public var maxWebRTCSessionsPerClient = 100
    /// Send buffer asked for on each WebRTC UDP socket (SO_SNDBUF), 64 KiB ... 256 MiB.
    public var webRTCSendBufferBytes = WebRTCTransport.defaultSendBufferBytes
    public static let webRTCSendBufferRange = (64 << 10)...(256 << 20)
    /// Opus bitrate (bit/s) of AAC/G.722 audio transcoded for WebRTC viewers (`webrtc.opusBitrate`).
    public var opusBitrate = TranscodeConfiguration().bitrate
    public static let opusBitrateRange = TranscodeConfiguration.bitrateRange
    /// Highest bitrate WHIP publishers are told they may send (REMB), bits/s.
    public var maxPublishBitrate = 8_000_000
    public static let maxPublishBitrateRange = 100_000...1_000_000_000
    /// Largest data channel message accepted (`webrtc.maxMessageSize`), 1 KiB ... 1 MiB.
    public var dataChannelMaxMessageSize = 262_144
    /// Accept simulcast from WHIP publishers (`--simulcast`, `webrtc.simulcast`); off by default.
    public var simulcast = false
    /// Most layers accepted per video section (`webrtc.simulcastMaxLayers`).
    public var simulcastMaxLayers = WebRTCEndpoint.defaultSimulcastMaxLayers
    public static let simulcastMaxLayersRange = 1...8
    public static let dataChannelMessageSizeRange = 1_024...WebRTCEndpoint.maxDataChannelMessageSizeCap
    /// The RTSP server (`--rtsp HOST:PORT`); nil turns it off.
    public var rtspServer: RTSPServerSettings? = RTSPServerSettings()
    /// How long the drain on SIGTERM/SIGINT may take (`--shutdown-timeout`, `shutdownTimeout:`).
    public var shutdownTimeout: Duration = .seconds(5)
    public init() {}
}

/// The running gateway: router, the shared WebRTC socket, WHIP/WHEP sessions, sources, outputs.
public final class Gateway: @unchecked Sendable {
    public let router: Router
    public let transport: WebRTCTransport
    /// WHIP and WHEP sessions.
    public private(set) var webrtc: WebRTCEndpoint!
    public let configuration: GatewayConfiguration
    let group: any EventLoopGroup
    let logger: Logger
    /// What `start()` and `addPath` started, by path: sources and forwards (drain stage
    /// `sources`) and recordings (stage `recordings`), in start order (see Gateway+Paths).
    let running = Mutex<[RunningOutput]>([])
    /// The RTSP server, when on (it drains in two steps: listener first, then connections).
    public private(set) var rtspServer: RTSPServer?
    /// Told when a WHIP/WHEP client link fails for good (see `onClientLinkGaveUp`).
    let clientLinkGaveUp = Mutex<(@Sendable (String) -> Void)?>(nil)
    /// The drain under way (read by the drain's own log lines).
    private let drainProgress = Mutex<GatewayDrain?>(nil)
    /// Plain RTP ingest sources by path name (their counters go to `/api/stats`).
    public var rtpIngestSources: [String: RTPIngestSource] {
        Dictionary(running.withLock { $0 }.compactMap { $0.ingest.map { ($0.pathName, $0) } }) { _, last in last }
    }
    /// UDP data devices by path name (their counters go to `/api/stats`).
    public var dataDevices: [String: DataUDPLink] {
        Dictionary(running.withLock { $0 }.compactMap { output in output.dataDevice.map { (output.path, $0) } }) { _, last in last }
    }
    /// MPEG-TS over UDP sources by path name (their counters go to `/api/stats` and `/metrics`).
    public var mpegTSSources: [String: MPEGTSSource] {
        Dictionary(running.withLock { $0 }.compactMap { output in output.mpegTS.map { (output.path, $0) } }) { _, last in last }
    }
    public private(set) var udpPort = 0
    /// Plain RTP egresses and recorders, in start order (their counters go to `/metrics`).
    public var rtpForwarders: [RTPForwarder] { running.withLock { $0 }.compactMap(\.forwarder) }
    public var recorders: [Recorder] { running.withLock { $0 }.compactMap(\.recorder) }
    /// The event loops sessions, sources and outputs run on (metrics measure their lag).
    public var eventLoops: [any EventLoop] { Array(group.makeIterator()) }

    public init(configuration: GatewayConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
        self.router = Router(limits: configuration.routing, clock: { RuntimeClock.now() })
        // One WebRTC socket and share of the sessions per event loop (one loop per core).
        self.transport = WebRTCTransport(eventLoops: Array(group.makeIterator()), logger: logger)
    }

    /// Binds sockets and starts every configured source. Errors name the path and the reason.
    public func start() async throws {
        udpPort = try await transport.bind(host: configuration.webRTCBindHost, port: configuration.webRTCUDPPort,
                                           sendBufferBytes: configuration.webRTCSendBufferBytes)
        try await startTraversal()
        let hosts = configuration.iceHostAddresses.isEmpty
            ? Self.interfaceAddresses().compactMap { ICEAdvertisedAddress(ip: $0) } : configuration.iceHostAddresses
        let certificate = try DTLSCertificate.generate(commonName: "rtcbridge")
        var endpointConfiguration = WebRTCEndpoint.Configuration(hostAddresses: hosts, udpPort: udpPort)
        endpointConfiguration.takeoverPaths = configuration.takeoverPaths
        endpointConfiguration.maxSessions = configuration.maxWebRTCSessions
        endpointConfiguration.maxSessionsPerClient = configuration.maxWebRTCSessionsPerClient
        endpointConfiguration.transcode.bitrate = configuration.opusBitrate
        endpointConfiguration.maxPublishBitrate = configuration.maxPublishBitrate
        endpointConfiguration.dataChannelMaxMessageSize = configuration.dataChannelMaxMessageSize
        endpointConfiguration.simulcast = configuration.simulcast
        endpointConfiguration.simulcastMaxLayers = configuration.simulcastMaxLayers
        webrtc = WebRTCEndpoint(router: router, transport: transport, certificate: certificate,
                                configuration: endpointConfiguration, logger: logger)
        logger.info("WebRTC UDP listening", metadata: ["port": "\(udpPort)", "candidates": "\(hosts.map(\.description))",
                                                       "fingerprint": "\(certificate.fingerprint.value)"])
        for (name, spec) in configuration.paths {
            do {
                try await startSource(name: name, spec: spec)
            } catch {
                throw SourceError.unusable("path '\(name)' (\(spec)): \(error)")
            }
        }
        if let rtsp = configuration.rtspServer { try await startRTSPServer(rtsp) }
        for (path, spec) in configuration.forwards { try await startForward(path: path, spec: spec) }
        for (path, target) in configuration.whipForwards { try await startWHIPForward(path: path, target: target) }
        for (path, spec) in configuration.dataDevices { try await startDataDevice(path: path, spec: spec) }
        for (path, spec) in configuration.recordings { try await startRecording(path: path, spec: spec) }
    }

    func startSource(name: String, spec: SourceSpec) async throws {
        switch spec {
        case .publisher:
            _ = try router.path(named: name) ?? router.createPath(named: name)
        case .rtsp(let rtsp):
            try await startRTSPSource(name: name, spec: rtsp)
        case .demo:
            try await startFileSource(FileSource.demo(pathName: name, router: router, eventLoop: group.next(), logger: logger),
                                      path: name)
        case .files(let videoFile, let audioFile):
            let files = try [videoFile, audioFile].compactMap { $0 }.compactMap { file in
                try MediaFileKind(path: file).map { FileSource.File(name: file, kind: $0, bytes: try Self.read(file)) }
            }
            try await startFileSource(FileSource(pathName: name, files: files, router: router, eventLoop: group.next(),
                                                 logger: logger), path: name)
        case .rtpSDPFile(let file):
            try await startRTPIngestSource(name: name, sdpFile: file)
        case .mpegTS(let spec):
            try await startMPEGTSSource(name: name, spec: spec)
        case .whep(let target):
            try startWHEPSource(name: name, target: target)
        }
    }

    /// The bytes of a media file (empty when there is none), or an error naming the file.
    private static func read(_ file: String?) throws -> [UInt8] {
        guard let file else { return [] }
        do { return try [UInt8](Data(contentsOf: URL(fileURLWithPath: file))) } catch {
            throw SourceError.unusable("cannot read \(file): \(error.localizedDescription)")
        }
    }

    private func startFileSource(_ source: FileSource, path: String) async throws {
        try await source.start()
        track(RunningOutput(stage: .sources, path: path) { await source.stop() })
    }

    /// Start-up only, so not optimized: with -O, Swift 6.3's LLVM crashes (signal 11) while
    /// splitting this coroutine once `RTPIngestSource.start` is inlined into it.
    @_optimize(none)
    private func startRTPIngestSource(name: String, sdpFile file: String) async throws {
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw SourceError.unusable("cannot read SDP file \(file): \(error.localizedDescription)")
        }
        let source = try RTPIngestSource(pathName: name, sdpText: text, router: router, eventLoop: group.next(), logger: logger)
        try await source.start()
        var output = RunningOutput(stage: .sources, path: name) { await source.stop() }
        output.ingest = source
        track(output)
    }

    /// Start-up only, not optimized (like `startRTPIngestSource`).
    @_optimize(none)
    private func startMPEGTSSource(name: String, spec: MPEGTSSourceSpec) async throws {
        let source = try MPEGTSSource(pathName: name, spec: spec, router: router, eventLoop: group.next(), logger: logger)
        try await source.start()
        var output = RunningOutput(stage: .sources, path: name) { await source.stop() }
        output.mpegTS = source
        track(output)
    }

    /// Start-up only, not optimized (like `startRTPIngestSource`).
    @_optimize(none)
    func startDataDevice(path: String, spec: DataUDPSpec) async throws {
        let link = try DataUDPLink(pathName: path, spec: spec, router: router, eventLoop: group.next(), logger: logger)
        try await link.start()
        var output = RunningOutput(stage: .sources, path: path) { await link.stop() }
        output.dataDevice = link
        track(output)
    }

    /// Stops everything `start()` started (the drain without a deadline).
    public func stop() async {
        _ = await drain(timeout: nil)
    }

    /// The graceful drain (SIGTERM): runs the stages of `GatewayDrain` in order, logging one
    /// info line as it begins (what is open) and one per stage. `stopAccepting` closes the
    /// caller's listeners (HTTP) in the first stage. Returns true when every stage finished within
    /// `timeout`; otherwise logs what is still pending and returns false at the deadline, leaving
    /// the pending stages running (the caller exits).
    public func drain(timeout: Duration?, stopAccepting: @escaping @Sendable () async -> Void = {}) async -> Bool {
        let counts = GatewayDrain.Counts(webRTCSessions: await webrtc?.sessionCount ?? 0,
                                         rtspConnections: rtspServer?.connectionCount() ?? 0,
                                         sources: running.withLock { $0 }.filter { $0.stage == .sources }.count,
                                         recordings: running.withLock { $0 }.filter { $0.stage == .recordings }.count)
        let plan = GatewayDrain(counts: counts, timeout: timeout ?? .seconds(86_400 * 365), now: RuntimeClock.now())
        drainProgress.withLock { $0 = plan }
        logger.info("\(plan.startLine)")
        let work = Task { [self] in
            for stage in GatewayDrain.Stage.allCases {
                drainProgress.withLock { $0?.begin(stage, now: RuntimeClock.now()) }
                await run(stage, stopAccepting: stopAccepting)
                if let line = drainProgress.withLock({ $0?.finishCurrent(now: RuntimeClock.now()) }) { logger.info("\(line)") }
            }
        }
        let inTime: Bool
        if let timeout {
            inTime = await Self.race(work, timeout: timeout)
        } else {
            await work.value
            inTime = true
        }
        let line = drainProgress.withLock { $0?.endLine(now: RuntimeClock.now()) } ?? ""
        if inTime { logger.info("\(line)") } else { logger.error("\(line)") }
        return inTime
    }

    /// Runs one drain stage.
    private func run(_ stage: GatewayDrain.Stage, stopAccepting: @escaping @Sendable () async -> Void) async {
        switch stage {
        case .listeners:
            async let http: Void = stopAccepting()
            async let rtsp: Void? = rtspServer?.stopAccepting()
            await webrtc?.stopAccepting()
            _ = await (http, rtsp)
        case .peers:
            async let rtsp: Void? = rtspServer?.stop()
            await webrtc?.closeAll()
            _ = await rtsp
        case .sources, .recordings:
            await withTaskGroup(of: Void.self) { group in
                for output in running.withLock({ $0 }) where output.stage == stage { group.addTask { await output.stop() } }
            }
        case .sockets:
            await transport.close()
        }
    }

    /// Whether `work` ends before `timeout` passes (it is not cancelled when it does not).
    private static func race(_ work: Task<Void, Never>, timeout: Duration) async -> Bool {
        let outcome = FirstOutcome()
        return await withCheckedContinuation { continuation in
            outcome.set(continuation)
            let timer = Task {
                try? await Task.sleep(for: timeout)
                outcome.resume(false)
            }
            Task {
                await work.value
                timer.cancel()
                outcome.resume(true)
            }
        }
    }

    /// IPv4 addresses of the machine's interfaces (non-loopback first; loopback when alone).
    static func interfaceAddresses() -> [String] {
        let devices = (try? System.enumerateDevices()) ?? []
        var external: [String] = [], loopback: [String] = []
        for device in devices {
            guard let address = device.address, case .v4 = address, let ip = address.ipAddress else { continue }
            if ip.hasPrefix("127.") { loopback.append(ip) } else { external.append(ip) }
        }
        let all = Array(Set(external)).sorted() + Array(Set(loopback)).sorted()
        return external.isEmpty ? (all.isEmpty ? ["127.0.0.1"] : all) : Array(Set(external)).sorted()
    }
}

// MARK: - Starting each source and output on its event loop

extension Gateway {
    func startRTSPSource(name: String, spec: RTSPSourceSpec) async throws {
        let source = try RTSPSource(pathName: name, spec: spec, router: router, eventLoop: group.next(), logger: logger)
        source.start()
        track(RunningOutput(stage: .sources, path: name) { await source.stop() })
    }

    /// Starts the RTSP server on its own event loop; `stop()` closes it.
    func startRTSPServer(_ settings: RTSPServerSettings) async throws {
        let publishable = Set(configuration.paths.compactMap { $0.source == .publisher ? $0.name : nil })
        let server = RTSPServer(settings: settings, router: router, publishablePaths: publishable,
                                group: group, logger: logger)
        try await server.start()
        // What the listener exposes to whom; never a secret.
        logger.info("RTSP \(settings.host):\(server.port) — \(settings.accessSummary(paths: configuration.paths.map(\.name), publishable: publishable.sorted()))")
        rtspServer = server
    }

    /// Starts plain RTP egress of `path` to `spec` (the path is created if it does not exist yet,
    /// so a forward can wait for an on-demand or late publisher).
    func startForward(path: String, spec: ForwardSpec) async throws {
        let target = try router.path(named: path) ?? router.createPath(named: path)
        let forwarder = RTPForwarder(path: target, spec: spec, sdpFile: spec.sdpFile(forPath: path),
                                     eventLoop: group.next(), logger: logger)
        do {
            try await forwarder.start()
        } catch {
            throw SourceError.unusable("--forward \(path)=\(spec): \(error)")
        }
        var output = RunningOutput(stage: .sources, path: path) { await forwarder.stop() }
        output.forwarder = forwarder
        track(output)
    }

    /// Records `path` as described by `spec`. The path is created if it does not exist yet (its
    /// source may come later). Throws when the path name cannot map to a directory under the root.
    func startRecording(path: String, spec: RecordSpec) async throws {
        let target = try router.path(named: path) ?? router.createPath(named: path)
        let recorder: Recorder
        do {
            recorder = try Recorder(path: target, configuration: .init(spec: spec), eventLoop: group.next(), logger: logger)
        } catch {
            throw SourceError.unusable("--record \(path)=\(spec.directory): \(error)")
        }
        try await recorder.start()
        var output = RunningOutput(stage: .recordings, path: path) { await recorder.stop() }
        output.recorder = recorder
        track(output)
    }
}

/// Resumes a continuation once, with whichever outcome comes first.
private final class FirstOutcome: Sendable {
    private let continuation = Mutex<CheckedContinuation<Bool, Never>?>(nil)
    func set(_ continuation: CheckedContinuation<Bool, Never>) { self.continuation.withLock { $0 = continuation } }
    func resume(_ value: Bool) { continuation.withLock { $0.take() }?.resume(returning: value) }
}
