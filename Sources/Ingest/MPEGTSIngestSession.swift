import Codecs
import Containers
import RTCBase
import RTP
import Routing

/// MPEG-TS over UDP ingest, sans-IO: the runtime feeds every datagram with its arrival time;
/// the demuxer's streams become the path's tracks (PMT order, the codec's registry entry, the
/// fmtp the stream told: H.264 `sprop-parameter-sets`, AAC `config=`) and its units are
/// packetized once into RTP (the codec's packetizer) and published.
///
/// The publisher attaches when every carried stream is ready (video: a keyframe with its
/// parameter sets; AAC: its first frame), starting with the video units held since the last
/// keyframe; streams still not ready `readyTimeout` after the first unit are left out. A PMT that changes the streams detaches the
/// publisher and attaches it again with the new tracks. Streams of other codecs are skipped and
/// reported once.
public struct MPEGTSIngestSession {
    public struct Configuration: Sendable, Equatable {
        public var limits = MPEGTSDemuxer.Limits()
        /// Largest RTP payload of a packetized unit.
        public var maxPayloadSize = 1188
        /// Streams not ready this long after the first unit are left out of the path.
        public var readyTimeout: Duration = .seconds(3)
        /// A PTS that strays this far from the arrival clock means the sender restarted (a new
        /// timeline): the publisher attaches again, so viewers continue across the gap.
        public var maxTimelineJump: Duration = .seconds(5)
        public init() {}
    }

    public struct Stats: Sendable, Equatable {
        public var datagrams = 0
        public var demuxer = MPEGTSDemuxer.Stats()
        /// Units published to the path.
        public var published = 0
        /// Units dropped before the publisher attached (waiting for a keyframe or a stream's configuration).
        public var beforeReady = 0
        /// Sender restarts seen as PTS jumps (the publisher attached again).
        public var restarts = 0
        public init() {}
    }

    public enum Event: Sendable, Equatable {
        /// The PMT's streams, described ("pid 0x100 H264", "pid 0x102 stream type 0x81 (skipped)").
        case program([String])
        case ready([TrackInfo])
        /// The PTS jumped by `jump` against the arrival clock: a new timeline.
        case restarted(jump: Duration)
    }

    public enum Output: Sendable {
        case attach([TrackInfo])
        case detach
        case publish(MediaUnit)
        case event(Event)
        case timeout(Instant)
    }

    struct Track {
        var pid: UInt16
        var codec: CodecDescriptor
        var info: TrackInfo?
        var packetizer: (any RTPPacketizer)?
        var ssrc: UInt32
        var sequenceNumber: UInt16
    }

    public let configuration: Configuration
    var demuxer: MPEGTSDemuxer
    var tracks: [Track] = []
    /// Tracks (ids) the publisher attached with; nil while detached.
    var attachedTracks: Set<Int>?
    var firstUnit: Instant?
    var heldVideo: [MPEGTSDemuxer.Unit] = []
    /// The last PTS (90 kHz, unwrapped) and when it arrived.
    var timeline: (pts: Int64, arrival: Instant)?
    var stopped = false
    let ssrcBase: UInt32
    let sequenceBase: UInt16
    var streamsGeneration: UInt32 = 0
    public private(set) var stats = Stats()
    var outputs = OutputQueue<Output>()

    /// `ssrcBase` and `sequenceBase` seed each track's RTP identity (random in production).
    public init(configuration: Configuration = Configuration(), ssrcBase: UInt32, sequenceBase: UInt16) {
        self.configuration = configuration
        self.demuxer = MPEGTSDemuxer(limits: configuration.limits)
        self.ssrcBase = ssrcBase
        self.sequenceBase = sequenceBase
    }

    /// The tracks known so far (ready ones).
    public var infos: [TrackInfo] { tracks.compactMap(\.info) }

    /// One datagram of transport packets.
    public mutating func receive(_ datagram: [UInt8], now: Instant) {
        guard !stopped else { return }
        stats.datagrams += 1
        let events = demuxer.pushDatagram(datagram)
        for event in events { handle(event, now: now) }
        stats.demuxer = demuxer.stats
    }

    /// Detaches the publisher; nothing more is accepted.
    public mutating func stop() {
        guard !stopped else { return }
        stopped = true
        if attachedTracks != nil { outputs.append(.detach) }
        attachedTracks = nil
    }

    /// The runtime could not attach the publisher: try again at the next keyframe.
    public mutating func attachFailed() { attachedTracks = nil }

    public mutating func poll() -> Output {
        outputs.popFirst() ?? .timeout(.distantFuture)
    }

    // MARK: - Demuxer events

    mutating func handle(_ event: MPEGTSDemuxer.Event, now: Instant) {
        switch event {
        case .program(let streams):
            if attachedTracks != nil { outputs.append(.detach) }
            attachedTracks = nil
            firstUnit = nil
            heldVideo = []
            streamsGeneration &+= 1
            tracks = []
            var described: [String] = []
            for stream in streams {
                let pid = "pid 0x\(String(stream.pid, radix: 16))"
                guard let codec = stream.codec else {
                    described.append("\(pid) stream type 0x\(String(stream.streamType, radix: 16)) (skipped)")
                    continue
                }
                described.append("\(pid) \(codec.name)")
                let id = tracks.count
                tracks.append(Track(pid: stream.pid, codec: codec, info: nil, packetizer: codec.makePacketizer(),
                                    ssrc: ssrcBase &+ UInt32(id) &+ streamsGeneration &* 16,
                                    sequenceNumber: sequenceBase &+ UInt16(truncatingIfNeeded: id &* 10_000)))
                if stream.isReady { describe(stream) }
            }
            outputs.append(.event(.program(described)))
        case .streamReady(let stream):
            describe(stream)
        case .unit(let unit):
            guard let index = tracks.firstIndex(where: { $0.pid == unit.pid }) else { return }
            followTimeline(unit, now: now)
            let isVideo = tracks[index].codec.kind == .video
            if attachedTracks == nil {
                if isVideo { hold(unit) } else { stats.beforeReady += 1 }
                attachIfReady(now: now)
                guard attachedTracks != nil else { return }
                // Just attached: the held group of pictures goes first (this unit, if video, is its last).
                let held = heldVideo
                heldVideo = []
                for unit in held {
                    if let track = tracks.firstIndex(where: { $0.pid == unit.pid }) { publish(unit, track: track, now: now) }
                }
                if isVideo { return }
            }
            guard let attached = attachedTracks, attached.contains(index) else {
                stats.beforeReady += 1
                return
            }
            publish(unit, track: index, now: now)
        }
    }

    /// Compares the unit's PTS with the arrival clock; a jump past `maxTimelineJump` (the
    /// sender restarted, or its clock stepped) detaches the publisher to attach it again.
    mutating func followTimeline(_ unit: MPEGTSDemuxer.Unit, now: Instant) {
        guard let pts = unit.pts else { return }
        defer { timeline = (pts, now) }
        guard let last = timeline else { return }
        let elapsed = (now - last.arrival).nanosecondsClamped / 1_000_000 * 90   // 90 kHz ticks (ms resolution)
        let stray = (pts &- last.pts) &- elapsed
        let limit = configuration.maxTimelineJump.nanosecondsClamped / 1_000_000 * 90
        guard stray > limit || stray < -limit else { return }
        stats.restarts += 1
        outputs.append(.event(.restarted(jump: .milliseconds(stray / 90))))
        if attachedTracks != nil { outputs.append(.detach) }
        attachedTracks = nil
        heldVideo = []
        firstUnit = nil
    }

    /// Before the publisher attaches, video units since the last keyframe are held (at most
    /// `maxHeldUnits`; past it they are dropped until the next keyframe), so that viewers start at
    /// once on that keyframe when the last stream becomes ready.
    mutating func hold(_ unit: MPEGTSDemuxer.Unit) {
        if unit.isKeyframe {
            stats.beforeReady += heldVideo.count
            heldVideo = [unit]
        } else if !heldVideo.isEmpty, heldVideo.count < Self.maxHeldUnits {
            heldVideo.append(unit)
        } else {
            stats.beforeReady += heldVideo.count + 1
            heldVideo = []
        }
    }

    static let maxHeldUnits = 300

    /// The track a ready stream becomes (kept once attached: the path's tracks do not change under its readers).
    mutating func describe(_ stream: MPEGTSDemuxer.Stream) {
        guard let index = tracks.firstIndex(where: { $0.pid == stream.pid }), let clockRate = stream.clockRate else { return }
        guard attachedTracks == nil || tracks[index].info == nil else { return }
        let codec = tracks[index].codec
        tracks[index].info = TrackInfo(id: index, kind: codec.kind == .video ? .video : .audio, encodingName: codec.name,
                                       clockRate: clockRate, channels: codec.rtpMapChannels(stream.channels),
                                       fmtp: stream.fmtp, payloadType: UInt8(96 + index % 32))
    }

    mutating func attachIfReady(now: Instant) {
        let first = firstUnit ?? now
        firstUnit = first
        let ready = tracks.indices.filter { tracks[$0].info != nil }
        guard !ready.isEmpty else { return }
        let timedOut = now - first >= configuration.readyTimeout
        guard ready.count == tracks.count || timedOut else { return }
        // Start on a held video keyframe of a ready track when there is video.
        let hasVideo = ready.contains { tracks[$0].codec.kind == .video }
        if hasVideo {
            guard let keyframe = heldVideo.first, keyframe.isKeyframe,
                  ready.contains(where: { tracks[$0].pid == keyframe.pid }) else { return }
        }
        attachedTracks = Set(ready)
        let infos = ready.compactMap { tracks[$0].info }
        outputs.append(.attach(infos))
        outputs.append(.event(.ready(infos)))
    }

    mutating func publish(_ unit: MPEGTSDemuxer.Unit, track index: Int, now: Instant) {
        guard let info = tracks[index].info, var packetizer = tracks[index].packetizer else { return }
        let payloads = packetizer.packetize(AccessUnit(payloads: unit.payloads, rtpTimestamp: unit.rtpTimestamp,
                                                       isKeyframe: unit.isKeyframe),
                                            maxPayloadSize: configuration.maxPayloadSize)
        tracks[index].packetizer = packetizer
        guard !payloads.isEmpty else { return }
        var packets: [RTPPacket] = []
        packets.reserveCapacity(payloads.count)
        for (payload, marker) in payloads {
            packets.append(RTPPacket(payloadType: info.payloadType, sequenceNumber: tracks[index].sequenceNumber,
                                     timestamp: unit.rtpTimestamp, ssrc: tracks[index].ssrc, marker: marker, payload: payload))
            tracks[index].sequenceNumber &+= 1
        }
        stats.published += 1
        outputs.append(.publish(MediaUnit(trackID: index, packets: packets, rtpTimestamp: unit.rtpTimestamp,
                                          isKeyframe: unit.isKeyframe, arrival: now, codec: info.codec)))
    }
}
