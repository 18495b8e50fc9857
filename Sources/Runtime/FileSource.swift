import Codecs
import Containers
import Foundation
import Ingest
import Logging
import NIOCore
import RTCBase
import RTP
import Routing

/// A looping file source paced in real time: Annex-B H.264 video at a fixed frame rate plus
/// Ogg/Opus audio. The embedded demo clip plays through this. Frames are packetized once at
/// load; each loop continues timestamps and sequence numbers so viewers never see a jump.
public final class FileSource: @unchecked Sendable {
    typealias TimedUnit = FilePlayout.Unit

    public let pathName: String
    let path: Path
    let eventLoop: any EventLoop
    let logger: Logger
    let tracks: [TrackInfo]
    let loopDuration: Duration
    /// Where the playout reads time (a virtual clock with an `EmbeddedEventLoop` in tests); set before `start`.
    var clock = EngineClock.runtime
    // Mutable state, touched only on eventLoop.
    private var playout: FilePlayout
    private var publisher: PublisherToken?
    private var driver: EngineDriver?

    /// - Parameters: `video` Annex-B H.264 bytes, `audio` Ogg/Opus bytes (either may be empty).
    public init(pathName: String, video: [UInt8], frameRate: Int, audio: [UInt8], router: Router,
                eventLoop: any EventLoop, logger: Logger, maxPayloadSize: Int = 1188) throws {
        self.pathName = pathName
        self.path = try router.path(named: pathName) ?? router.createPath(named: pathName)
        self.eventLoop = eventLoop
        self.logger = logger
        var tracks: [TrackInfo] = []
        var units: [TimedUnit] = []
        var videoDuration = Duration.zero, audioDuration = Duration.zero
        if !video.isEmpty {
            guard frameRate > 0 else { throw SourceError.unusable("frame rate must be positive") }
            let codec = try Self.codec(of: .annexBH264)
            var annexB = AnnexBReader(video, timestampIncrement: UInt32(codec.clockRate / frameRate))
            let accessUnits = try annexB.readAll()
            guard let firstKey = accessUnits.firstIndex(where: \.isKeyframe) else {
                throw SourceError.unusable("video file has no keyframe")
            }
            guard var packetizer = codec.makePacketizer() else { throw SourceError.unusable("no \(codec.name) packetizer") }
            let fmtp = codec.receiverFmtp([:], parameterSets: nil).merging(
                codec.learnedFmtp(fromKeyframe: accessUnits[firstKey].payloads.lazy.map { $0[...] }, fmtp: [:])) { $1 }
            tracks.append(TrackInfo(id: 0, kind: .video, encodingName: codec.name, clockRate: codec.clockRate,
                                    channels: codec.channels, fmtp: fmtp, payloadType: 96))
            let frameTicks = codec.clockRate / frameRate
            for (n, au) in accessUnits[firstKey...].enumerated() {
                units.append(TimedUnit(offset: .nanoseconds(Int64(n) * 1_000_000_000 / Int64(frameRate)),
                                       duration: frameTicks,
                                       payloads: packetizer.packetize(au, maxPayloadSize: maxPayloadSize),
                                       isKeyframe: au.isKeyframe, trackID: 0))
            }
            videoDuration = .nanoseconds(Int64(accessUnits.count - firstKey) * 1_000_000_000 / Int64(frameRate))
        }
        if !audio.isEmpty {
            var ogg = try OggOpusReader(audio)
            let packets = try ogg.readAll()
            let codec = try Self.codec(of: .oggOpus)
            tracks.append(TrackInfo(id: 1, kind: .audio, encodingName: codec.name, clockRate: codec.clockRate,
                                    channels: codec.channels, fmtp: codec.defaultFmtp, payloadType: 111))
            let clockRate = Int64(codec.clockRate)
            var samples = 0
            for packet in packets {
                units.append(TimedUnit(offset: .nanoseconds(Int64(samples) * 1_000_000_000 / clockRate),
                                       duration: packet.sampleCount, payloads: [(packet.data, true)],
                                       isKeyframe: true, trackID: 1))
                samples += packet.sampleCount
            }
            audioDuration = .nanoseconds(Int64(samples) * 1_000_000_000 / clockRate)
        }
        guard !tracks.isEmpty else { throw SourceError.unusable("file source has no media") }
        self.tracks = tracks
        let loopDuration = max(videoDuration, audioDuration)
        self.loopDuration = loopDuration
        let streams = Dictionary(uniqueKeysWithValues: tracks.map { track in
            (track.id, FilePlayout.Stream(ssrc: SecureRandom.uint32(), sequenceNumber: SecureRandom.uint16(),
                                          timestampBase: SecureRandom.uint32()))
        })
        self.playout = FilePlayout(tracks: tracks, units: units, loopDuration: loopDuration, streams: streams)
    }

    /// The registry's entry for the codec of a file kind.
    static func codec(of kind: MediaFileKind) throws -> CodecDescriptor {
        guard let codec = CodecRegistry.descriptor(for: kind.codec) else { throw SourceError.unusable("no codec for \(kind)") }
        return codec
    }

    /// The embedded demo clip (10 s, 640x360 H.264 at 30 fps + Opus), looping.
    public static func demo(pathName: String, router: Router, eventLoop: any EventLoop, logger: Logger) throws -> FileSource {
        guard let videoURL = Bundle.module.url(forResource: "demo", withExtension: "h264", subdirectory: "Demo"),
              let audioURL = Bundle.module.url(forResource: "demo", withExtension: "opus", subdirectory: "Demo") else {
            throw SourceError.unusable("embedded demo clip is missing from the bundle")
        }
        let video = try [UInt8](Data(contentsOf: videoURL))
        let audio = try [UInt8](Data(contentsOf: audioURL))
        return try FileSource(pathName: pathName, video: video, frameRate: 30, audio: audio, router: router,
                              eventLoop: eventLoop, logger: logger)
    }

    public func start() async throws {
        try await eventLoop.submit { try self.startOnLoop() }.get()
        logger.info("file source playing", metadata: ["path": "\(pathName)", "loop": "\(loopDuration)"])
    }

    public func stop() async {
        try? await eventLoop.submit { self.stopOnLoop() }.get()
    }

    /// Attaches to the path and plays from now (on eventLoop).
    func startOnLoop() throws {
        publisher = try path.attachPublisher(tracks: tracks) { }   // a file cannot make keyframes on request
        let driver = EngineDriver(eventLoop: eventLoop, clock: clock)
        driver.onTimeout { [weak self] now in
            self?.playout.handleTimeout(now: now)
            self?.drain()
        }
        self.driver = driver
        playout.start(now: clock.now())
        drain()
    }

    func stopOnLoop() {
        driver?.stop()
        driver = nil
        if let publisher { path.detachPublisher(publisher) }
        publisher = nil
    }

    /// Publishes what the playout hands out and arms its next deadline.
    private func drain() {
        guard let driver else { return }
        driver.drainAndArm({ playout.poll() }, deadline: { output in
            if case .timeout(let deadline) = output { deadline } else { nil }
        }) { output in
            if case .publish(let unit) = output, let publisher { path.publish(unit, token: publisher) }
        }
    }
}
