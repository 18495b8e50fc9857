import Codecs
import Containers
import RTCBase

/// Segment boundaries and the containers' byte output.
extension RecorderMuxer {
    /// Opens a segment if every recorded track's configuration is known (H.264 SPS/PPS, H.265
    /// VPS/SPS/PPS, VP8/VP9 keyframe size, AV1 sequence header); otherwise the muxer keeps
    /// waiting for a keyframe that brings it.
    mutating func startSegment(arrival: Instant) -> RecorderOutput? {
        guard let leadTrackID, let lead = tracks[leadTrackID] else { return nil }
        var next = Segment(index: segmentCount + 1, startArrival: arrival)
        let header: [UInt8]
        do {
            switch format {
            case .mp4:
                var fileTracks: [RecordingTrack] = []
                for track in tracks.values.sorted(by: { $0.fileTrackID < $1.fileTrackID }) {
                    guard let fileTrack = track.containerTrack.recordingTrack(id: track.fileTrackID) else { return nil }
                    fileTracks.append(fileTrack)
                }
                let writer = try FragmentedMP4Writer(tracks: fileTracks)
                header = writer.header()
                next.mp4 = writer
            case .ivf:
                let size = lead.containerTrack.videoSize
                let writer = try IVFWriter(fourCC: lead.containerTrack.ivfFourCC, width: size?.width ?? 0, height: size?.height ?? 0,
                                           timebaseNumerator: 1, timebaseDenominator: UInt32(clamping: lead.info.clockRate))
                header = writer.header()
                next.ivf = writer
            case .ogg:
                let writer = try OggOpusWriter(configuration: lead.containerTrack.opusConfiguration,
                                               serialNumber: UInt32(truncatingIfNeeded: segmentCount + 1))
                header = writer.header()
                next.ogg = writer
            }
        } catch {
            recordError("cannot start segment: \(error)")
            return nil
        }
        segmentCount += 1
        segment = next
        newSegmentRequested = false
        resetTracks()
        for id in tracks.keys { tracks[id]?.containerTrack.segmentStarted() }
        return .startSegment(index: next.index, header: header)
    }

    /// Ends the current segment: the last samples get the previous duration, everything buffered
    /// is handed out, and the IVF length field is patched.
    public mutating func finishSegment() -> [RecorderOutput] {
        guard segment != nil else { return [] }
        var out: [RecorderOutput] = []
        var patch: RecorderPatch?
        for id in tracks.keys {
            guard var track = tracks[id], var pending = track.pending else { continue }
            pending.duration = track.lastDuration
            track.samples.append(pending)
            track.sampleBytes += pending.data.count
            track.elapsed &+= UInt64(track.lastDuration)
            track.pending = nil
            tracks[id] = track
        }
        switch format {
        case .mp4:
            out += flushFragment()
        case .ivf:
            out += flush()
            if let leadTrackID, let lead = tracks[leadTrackID] {
                var bytes: [UInt8] = []
                let length = UInt32(clamping: lead.elapsed &+ UInt64(lead.lastDuration))
                for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: length >> UInt32(shift))) }
                patch = RecorderPatch(offset: IVFWriter.lengthFieldOffset, bytes: bytes)
            }
        case .ogg:
            let pages = segment?.ogg?.flush(endOfStream: true) ?? []
            segment?.buffer += pages
            out += flush()
        }
        out.append(.finishSegment(patch: patch))
        segment = nil
        resetTracks()
        return out
    }

    /// One `moof` + `mdat` with every completed sample.
    mutating func flushFragment() -> [RecorderOutput] {
        guard var current = segment, current.mp4 != nil else { return [] }
        var samples: [UInt32: [FragmentedMP4Writer.Sample]] = [:]
        for (id, track) in tracks where !track.samples.isEmpty {
            samples[track.fileTrackID] = track.samples
            tracks[id]?.samples = []
            tracks[id]?.sampleBytes = 0
        }
        guard !samples.isEmpty else { return [] }
        let bytes: [UInt8]
        do {
            bytes = try current.mp4?.fragment(samples: samples, sequenceNumber: current.fragmentSequence) ?? []
        } catch {
            recordError("MP4 fragment dropped: \(error)")
            return []
        }
        current.fragmentSequence &+= 1
        segment = current
        return bytes.isEmpty ? [] : [.append(bytes)]
    }

    private mutating func resetTracks() {
        for id in tracks.keys {
            tracks[id]?.inSegment = false
            tracks[id]?.pending = nil
            tracks[id]?.samples = []
            tracks[id]?.sampleBytes = 0
            tracks[id]?.elapsed = 0
        }
    }
}
