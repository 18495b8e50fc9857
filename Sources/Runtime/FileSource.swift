import Codecs
import Containers
import Foundation
import Logging
import NIOCore
import RTCBase
import RTP
import Routing

/// A looping file source paced in real time: Annex-B H.264 video at a fixed frame rate plus
/// Ogg/Opus audio. The embedded demo clip plays through this. Frames are packetized once at
/// load; each loop continues timestamps and sequence numbers so viewers never see a jump.
public final class FileSource: @unchecked Sendable {
    struct TimedUnit {
        var offset: Duration            // from the start of one loop
        var duration: Int               // in clock units
        var payloads: [(payload: [UInt8], marker: Bool)]
        var isKeyframe: Bool
        var trackID: Int
    }

    public let pathName: String
    let path: Path
    let eventLoop: any EventLoop
    let logger: Logger
    let tracks: [TrackInfo]
    let units: [TimedUnit]          // both tracks, sorted by offset
    let loopDuration: Duration
    // Mutable state, touched only on eventLoop.
    private var publisher: PublisherToken?
    private var task: RepeatedTask?
    private var startInstant = Instant.zero
    private var loopIndex = 0
    private var nextUnit = 0
    private var sequence: [UInt16]
    private var timestampBase: [UInt32]
    private let ssrcs: [UInt32]

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
        self.units = units.sorted { $0.offset < $1.offset }
        self.loopDuration = max(videoDuration, audioDuration)
        self.sequence = [SecureRandom.uint16(), SecureRandom.uint16()]
        self.timestampBase = [SecureRandom.uint32(), SecureRandom.uint32()]
        self.ssrcs = [SecureRandom.uint32(), SecureRandom.uint32()]
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
        try await eventLoop.submit { [self] in
            publisher = try path.attachPublisher(tracks: tracks) { }   // a file cannot make keyframes on request
            startInstant = RuntimeClock.now()
            task = eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(5)) { [weak self] _ in
                self?.tick()
            }
        }.get()
        logger.info("file source playing", metadata: ["path": "\(pathName)", "loop": "\(loopDuration)"])
    }

    public func stop() async {
        try? await eventLoop.submit { [self] in
            task?.cancel()
            task = nil
            if let publisher { path.detachPublisher(publisher) }
            publisher = nil
        }.get()
    }

    /// Publishes every unit that is due (bounded per tick so a stalled loop catches up gradually).
    private func tick() {
        guard let publisher, !units.isEmpty, loopDuration > .zero else { return }
        let now = RuntimeClock.now()
        for _ in 0..<256 {
            let unit = units[nextUnit]
            let due = startInstant + loopDuration * loopIndex + unit.offset
            guard due <= now else { return }
            publish(unit, token: publisher, arrival: now)
            nextUnit += 1
            if nextUnit == units.count {
                nextUnit = 0
                loopIndex += 1
            }
        }
    }

    private func publish(_ unit: TimedUnit, token: PublisherToken, arrival: Instant) {
        let t = unit.trackID
        let clockRate = Int64(tracks.first { $0.id == t }?.clockRate ?? 90000)
        let loopTicks = Int64(loopDuration.nanosecondsClamped / 1000) * clockRate / 1_000_000
        let offsetTicks = Int64(unit.offset.nanosecondsClamped / 1000) * clockRate / 1_000_000
        let timestamp = timestampBase[t] &+ UInt32(truncatingIfNeeded: loopTicks * Int64(loopIndex) + offsetTicks)
        var packets: [RTPPacket] = []
        packets.reserveCapacity(unit.payloads.count)
        for (payload, marker) in unit.payloads {
            packets.append(RTPPacket(payloadType: tracks.first { $0.id == t }?.payloadType ?? 96,
                                     sequenceNumber: sequence[t], timestamp: timestamp, ssrc: ssrcs[t],
                                     marker: marker, payload: payload))
            sequence[t] &+= 1
        }
        path.publish(MediaUnit(trackID: t, packets: packets, rtpTimestamp: timestamp, isKeyframe: unit.isKeyframe,
                               arrival: arrival, codec: tracks.first { $0.id == t }?.codec), token: token)
    }
}
