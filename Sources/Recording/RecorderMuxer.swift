import Codecs
import Containers
import RTCBase
import Routing

/// What the file side does for the muxer: open a segment file with its header, append bytes,
/// finish it (optionally patching the header, e.g. the IVF length).
public enum RecorderOutput: Sendable, Equatable {
    case startSegment(index: Int, header: [UInt8])
    case append([UInt8])
    case finishSegment(patch: RecorderPatch?)
}

/// Bytes to overwrite at an offset of a finished file.
public struct RecorderPatch: Sendable, Equatable {
    public var offset: Int
    public var bytes: [UInt8]
}

/// Turns a path reader's events into container bytes (sans-IO: no files, no clocks; the runtime
/// passes arrival times in through the units). Per track it depacketizes access units, derives
/// each sample's duration from the next sample's RTP timestamp, and starts segments on a keyframe
/// of the lead track (the video track, else the audio track) once `segmentDuration` has passed.
/// Recorded: one video and one audio track the format can carry (`ContainerFormat.carries`);
/// other tracks are ignored. What each codec needs in a container (parameter sets, picture size,
/// configuration records, sample bytes) is the tracks' `ContainerTrack`; the muxer never branches
/// on a codec.
public struct RecorderMuxer {
    struct Track {
        var info: TrackInfo
        /// The codec side: configuration learnt for the segment headers, the bytes of each sample.
        var containerTrack: ContainerTrack
        var depacketizer: any RTPDepacketizer
        var fileTrackID: UInt32
        /// The last sample, waiting for the next one to know its duration.
        var pending: FragmentedMP4Writer.Sample?
        var pendingTimestamp: UInt32 = 0
        /// Completed samples of the current fragment (MP4).
        var samples: [FragmentedMP4Writer.Sample] = []
        var sampleBytes = 0
        /// Time since the segment started, in the track's clock (IVF timestamps, segment length).
        var elapsed: UInt64 = 0
        var lastDuration: UInt32
        var inSegment = false

        var isAudio: Bool { info.kind == .audio }
    }

    struct Segment {
        var index: Int
        var mp4: FragmentedMP4Writer?
        var ivf: IVFWriter?
        var ogg: OggOpusWriter?
        var startArrival: Instant
        var fragmentSequence: UInt32 = 1
        /// IVF/Ogg bytes not yet handed out.
        var buffer: [UInt8] = []
    }

    /// Samples or bytes that make a fragment flush before the periodic flush.
    static let maxFragmentSamples = 1000
    static let maxBufferedBytes = 4 << 20

    let format: RecordingFormat
    let segmentDuration: Duration
    var tracks: [Int: Track] = [:]
    var leadTrackID: Int?
    var segment: Segment?
    var segmentCount = 0
    /// Set by the runtime after a write error: the next lead keyframe starts a new file.
    public var newSegmentRequested = false
    /// Tracks of the current publisher that this format cannot record, for the log.
    public internal(set) var ignoredTracks: [String] = []
    public private(set) var unitsSkipped = 0
    public private(set) var muxErrors = 0
    private(set) var lastMuxError: String?

    public init(format: RecordingFormat, segmentDuration: Duration) {
        self.format = format
        self.segmentDuration = segmentDuration
    }

    /// True while a video track's depacketizer holds frames back until a keyframe (after a
    /// loss nothing repaired): the recorder asks the path's publisher for one.
    public var awaitsKeyframe: Bool {
        tracks.values.contains { !$0.isAudio && $0.depacketizer.isAwaitingKeyframe }
    }

    public mutating func handle(_ event: ReaderEvent) -> [RecorderOutput] {
        switch event {
        case .tracks(let infos, _):
            let out = finishSegment()
            configure(infos)
            return out
        case .unit(let unit):
            guard var track = tracks[unit.trackID] else { return [] }
            var units: [AccessUnit] = []
            for packet in unit.packets {
                units += track.depacketizer.push(payload: packet.payload, sequenceNumber: packet.sequenceNumber,
                                                 rtpTimestamp: packet.timestamp, marker: packet.marker)
            }
            tracks[unit.trackID] = track
            var out: [RecorderOutput] = []
            for accessUnit in units { out += accept(accessUnit, trackID: unit.trackID, arrival: unit.arrival) }
            return out
        case .sourceEnded, .pathClosed:
            return finishSegment()
        }
    }

    /// Hands out what is buffered: an MP4 fragment, IVF frames, closed Ogg pages.
    public mutating func flush() -> [RecorderOutput] {
        guard segment != nil else { return [] }
        switch format {
        case .mp4:
            return flushFragment()
        case .ivf:
            return takeBuffer()
        case .ogg:
            let pages = segment?.ogg?.flush() ?? []
            segment?.buffer += pages
            return takeBuffer()
        }
    }

    // MARK: - Samples

    private mutating func accept(_ unit: AccessUnit, trackID: Int, arrival: Instant) -> [RecorderOutput] {
        guard var track = tracks[trackID] else { return [] }
        if track.containerTrack.learn(from: unit) { newSegmentRequested = true }
        tracks[trackID] = track
        var out: [RecorderOutput] = []
        if trackID == leadTrackID {
            let startsHere = unit.isKeyframe || track.isAudio
            let due = track.elapsed >= UInt64(segmentDuration.components.seconds) * UInt64(track.info.clockRate)
            if segment != nil, startsHere, newSegmentRequested || due {
                out += finishSegment()
            }
            if segment == nil {
                guard startsHere, let started = startSegment(arrival: arrival) else {
                    unitsSkipped += 1
                    return out
                }
                out.append(started)
            }
        }
        guard segment != nil, var current = tracks[trackID] else {
            unitsSkipped += 1
            return out
        }
        out += add(unit, to: &current, arrival: arrival)
        tracks[trackID] = current
        return out
    }

    private mutating func add(_ unit: AccessUnit, to track: inout Track, arrival: Instant) -> [RecorderOutput] {
        let data = track.containerTrack.sampleData(unit)
        let timestamp = unit.rtpTimestamp
        if track.inSegment {
            let delta = Int64(Int32(bitPattern: timestamp &- track.pendingTimestamp))
            let duration = delta > 0 && delta <= Int64(track.info.clockRate) * 10 ? UInt32(delta) : track.lastDuration
            track.lastDuration = duration
            track.elapsed &+= UInt64(duration)
            if var pending = track.pending {
                pending.duration = duration
                track.samples.append(pending)
                track.sampleBytes += pending.data.count
            }
        } else {
            track.inSegment = true
            track.elapsed = 0
            if format == .mp4, track.info.id != leadTrackID, let start = segment?.startArrival {
                // Align a following track with the lead by arrival time (its first decode time),
                // at most an hour late.
                let offset = min(max(Int64(0), (arrival - start).nanosecondsClamped), 3_600_000_000_000)
                segment?.mp4?.nextDecodeTimes[track.fileTrackID] = UInt64(offset) * UInt64(track.info.clockRate) / 1_000_000_000
            }
        }
        track.pendingTimestamp = timestamp
        var out: [RecorderOutput] = []
        switch format {
        case .mp4:
            track.pending = FragmentedMP4Writer.Sample(data: data, duration: 0, isSync: unit.isKeyframe || track.isAudio)
            if track.samples.count >= Self.maxFragmentSamples || track.sampleBytes >= Self.maxBufferedBytes {
                tracks[track.info.id] = track
                out += flushFragment()
                track = tracks[track.info.id] ?? track
            }
        case .ivf:
            do {
                let frame = try segment?.ivf?.frame(data, timestamp: track.elapsed) ?? []
                segment?.buffer += frame
            } catch {
                recordError("IVF: \(error)")
            }
        case .ogg:
            let samples = track.containerTrack.sampleCount(data) ?? Int(track.lastDuration)
            do {
                let pages = try segment?.ogg?.packet(data, sampleCount: samples) ?? []
                segment?.buffer += pages
            } catch {
                recordError("Ogg: \(error)")
            }
        }
        if (segment?.buffer.count ?? 0) >= Self.maxBufferedBytes { out += takeBuffer() }
        return out
    }

    mutating func recordError(_ message: String) {
        muxErrors += 1
        lastMuxError = message
    }

    private mutating func takeBuffer() -> [RecorderOutput] {
        guard let buffer = segment?.buffer, !buffer.isEmpty else { return [] }
        segment?.buffer = []
        return [.append(buffer)]
    }
}
