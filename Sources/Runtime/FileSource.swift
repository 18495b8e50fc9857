import Codecs
import Containers
import Foundation
import Ingest
import Logging
import NIOCore
import RTCBase
import RTP
import Routing

/// A looping file source paced in real time: the video and audio tracks of media files (Annex-B
/// H.264/H.265 at a fixed frame rate, IVF VP8/VP9/AV1, MP4, Ogg/Opus), read with the Containers
/// readers. The embedded demo clip plays through this. Frames are packetized once at load and go
/// out in decode order at their decode time, stamped with their presentation time; each loop
/// continues timestamps and sequence numbers so viewers never see a jump.
public final class FileSource: @unchecked Sendable {
    typealias TimedUnit = FilePlayout.Unit

    /// One file to play: its name (for errors), kind and bytes.
    public struct File: Sendable {
        public var name: String
        public var kind: MediaFileKind
        public var bytes: [UInt8]
        public init(name: String, kind: MediaFileKind, bytes: [UInt8]) {
            self.name = name
            self.kind = kind
            self.bytes = bytes
        }
    }

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
    public convenience init(pathName: String, video: [UInt8], frameRate: Int, audio: [UInt8], router: Router,
                            eventLoop: any EventLoop, logger: Logger, maxPayloadSize: Int = 1188) throws {
        var files: [File] = []
        if !video.isEmpty { files.append(File(name: "video", kind: .annexBH264, bytes: video)) }
        if !audio.isEmpty { files.append(File(name: "audio", kind: .oggOpus, bytes: audio)) }
        try self.init(pathName: pathName, files: files, frameRate: frameRate, router: router, eventLoop: eventLoop,
                      logger: logger, maxPayloadSize: maxPayloadSize)
    }

    /// Plays the first video track and the first audio track found in `files` (more than one of
    /// either across files is an error; extra tracks inside one MP4 are left out). `frameRate`
    /// times Annex-B files. Errors name the file and the problem.
    public init(pathName: String, files: [File], frameRate: Int = 30, router: Router, eventLoop: any EventLoop,
                logger: Logger, maxPayloadSize: Int = 1188, limits: MediaFileLimits = MediaFileLimits()) throws {
        var chosen: [CodecKind: (file: String, track: MediaFileTrack)] = [:]
        for file in files {
            let fileTracks: [MediaFileTrack]
            do { fileTracks = try MediaFileReader.read(file.bytes, kind: file.kind, frameRate: frameRate, limits: limits) } catch {
                throw SourceError.unusable("\(file.name): \(error)")
            }
            var taken: Set<CodecKind> = []
            for track in fileTracks {
                guard let kind = CodecRegistry.descriptor(for: track.codec)?.kind, !taken.contains(kind) else { continue }
                if let other = chosen[kind] {
                    throw SourceError.unusable("\(file.name): a second \(kind) track (\(other.file) has one)")
                }
                taken.insert(kind)
                chosen[kind] = (file.name, track)
            }
        }
        var tracks: [TrackInfo] = []
        var units: [TimedUnit] = []
        var loopDuration = Duration.zero
        for (id, kind) in [CodecKind.video, .audio].enumerated() {
            guard let (file, track) = chosen[kind] else { continue }
            do {
                let played = try Self.play(track, id: id, maxPayloadSize: maxPayloadSize)
                tracks.append(played.info)
                units += played.units
                loopDuration = max(loopDuration, played.duration)
            } catch {
                throw SourceError.unusable("\(file): \(error)")
            }
        }
        guard !tracks.isEmpty else { throw SourceError.unusable("file source has no media") }
        self.pathName = pathName
        self.path = try router.path(named: pathName) ?? router.createPath(named: pathName)
        self.eventLoop = eventLoop
        self.logger = logger
        self.tracks = tracks
        self.loopDuration = loopDuration
        let streams = Dictionary(uniqueKeysWithValues: tracks.map { track in
            (track.id, FilePlayout.Stream(ssrc: SecureRandom.uint32(), sequenceNumber: SecureRandom.uint16(),
                                          timestampBase: SecureRandom.uint32()))
        })
        self.playout = FilePlayout(tracks: tracks, units: units, loopDuration: loopDuration, streams: streams)
    }

    /// A file track as the path's track `id` (video 0, audio 1): its `TrackInfo`, its units
    /// packetized and timed from its first keyframe (decode order, presentation time in the RTP
    /// timestamp), and its length.
    static func play(_ track: MediaFileTrack, id: Int, maxPayloadSize: Int) throws -> (info: TrackInfo, units: [TimedUnit], duration: Duration) {
        guard let codec = CodecRegistry.descriptor(for: track.codec) else { throw SourceError.unusable("no codec for \(track.codec)") }
        guard let first = track.samples.firstIndex(where: \.unit.isKeyframe) else {
            throw SourceError.unusable("\(codec.kind) track has no keyframe")
        }
        guard var packetizer = codec.makePacketizer() else { throw SourceError.unusable("no \(codec.name) packetizer") }
        let clockRate = track.codec == .aac ? (track.sampleRate ?? track.timescale) : codec.clockRate
        guard clockRate > 0 else { throw SourceError.unusable("\(codec.name) clock rate 0") }
        var fmtp = codec.defaultFmtp
        switch track.codec {
        case .h264:
            fmtp = codec.receiverFmtp([:], parameterSets: nil).merging(
                codec.learnedFmtp(fromKeyframe: track.samples[first].unit.payloads.lazy.map { $0[...] }, fmtp: [:])) { $1 }
        case .aac:
            guard let config = track.audioSpecificConfig else { throw SourceError.unusable("AAC track without AudioSpecificConfig") }
            fmtp["config"] = config.hexString
            fmtp["streamtype"] = "5"
        default:
            break
        }
        let payloadType: UInt8 = switch track.codec {
        case .opus: 111
        case .aac: 97
        default: codec.staticPayloadType ?? 96
        }
        let channels = codec.kind == .audio ? (track.codec == .opus ? codec.channels : track.channels ?? codec.channels) : nil
        let info = TrackInfo(id: id, kind: codec.kind == .video ? .video : .audio, encodingName: codec.name, clockRate: clockRate, channels: channels,
                             fmtp: fmtp, payloadType: payloadType)
        let start = track.samples[first].decodeTime
        var units: [TimedUnit] = []
        units.reserveCapacity(track.samples.count - first)
        var end: Int64 = 0
        for sample in track.samples[first...] {
            let time = sample.decodeTime - start
            units.append(TimedUnit(offset: .nanoseconds(try scale(time, track.timescale, 1_000_000_000)),
                                   duration: Int(try scale(sample.duration, track.timescale, Int64(clockRate))),
                                   compositionOffset: try scale(sample.compositionOffset, track.timescale, Int64(clockRate)),
                                   payloads: packetizer.packetize(sample.unit, maxPayloadSize: maxPayloadSize),
                                   isKeyframe: sample.unit.isKeyframe || codec.kind == .audio, trackID: id))
            end = max(end, time + sample.duration)
        }
        return (info, units, .nanoseconds(try scale(end, track.timescale, 1_000_000_000)))
    }

    /// `ticks` of `timescale` in units of `rate` per second, or an error when it does not fit.
    static func scale(_ ticks: Int64, _ timescale: Int, _ rate: Int64) throws -> Int64 {
        let (quotient, remainder) = ticks.quotientAndRemainder(dividingBy: Int64(max(timescale, 1)))
        let (whole, overflow) = quotient.multipliedReportingOverflow(by: rate)
        let (sum, sumOverflow) = whole.addingReportingOverflow(remainder * rate / Int64(max(timescale, 1)))
        guard !overflow, !sumOverflow else { throw SourceError.unusable("time \(ticks)/\(timescale) s is too large") }
        return sum
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
