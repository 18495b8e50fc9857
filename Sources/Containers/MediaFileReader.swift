import Codecs

/// One coded frame of a media file track, timed in the track's timescale.
public struct MediaFileSample: Sendable, Equatable {
    /// The frame's payloads as the registry's packetizer takes them (`rtpTimestamp` unused: 0).
    public var unit: AccessUnit
    /// When it is decoded, from the start of the file.
    public var decodeTime: Int64
    /// Presentation time minus decode time (B-frames in MP4), else 0.
    public var compositionOffset: Int64
    public var duration: Int64

    public init(unit: AccessUnit, decodeTime: Int64, compositionOffset: Int64 = 0, duration: Int64) {
        self.unit = unit
        self.decodeTime = decodeTime
        self.compositionOffset = compositionOffset
        self.duration = duration
    }
}

/// One track of a media file: codec (the registry's key), timing, and its samples in decode order.
public struct MediaFileTrack: Sendable {
    public var codec: CodecDescriptor.Format
    /// Ticks per second of the sample times.
    public var timescale: Int
    /// Audio: channels and sample rate the file gives, nil when it does not.
    public var channels: Int?
    public var sampleRate: Int?
    /// AAC: the AudioSpecificConfig (for the `config=` fmtp).
    public var audioSpecificConfig: [UInt8]?
    public var samples: [MediaFileSample]
}

/// Caps for every reader a media file may go through.
public struct MediaFileLimits: Sendable, Equatable {
    public var annexB: AnnexBReader.Limits
    public var ivf: IVFReader.Limits
    public var ogg: OggReader.Limits
    public var mp4: MP4Reader.Limits

    public init(annexB: AnnexBReader.Limits = .init(), ivf: IVFReader.Limits = .init(), ogg: OggReader.Limits = .init(),
                mp4: MP4Reader.Limits = .init()) {
        self.annexB = annexB
        self.ivf = ivf
        self.ogg = ogg
        self.mp4 = mp4
    }
}

/// Reads a whole media file of any `MediaFileKind` into tracks of timed samples, through the
/// kind's reader: Annex-B H.264/H.265 (fixed `frameRate`, 90 kHz), IVF (its timebase), MP4 (each
/// track's timescale, composition offsets kept), Ogg Opus (48 kHz).
public enum MediaFileReader {
    public static func read(_ bytes: [UInt8], kind: MediaFileKind, frameRate: Int = 30,
                            limits: MediaFileLimits = MediaFileLimits()) throws(ContainerError) -> [MediaFileTrack] {
        switch kind {
        case .annexBH264, .annexBH265:
            guard frameRate > 0, frameRate <= 1000 else { throw .invalid("frame rate \(frameRate)") }
            let codec: CodecDescriptor.Format = kind == .annexBH264 ? .h264 : .h265
            let ticks = 90_000 / frameRate
            var reader = AnnexBReader(bytes, syntax: kind == .annexBH264 ? .h264 : .h265, timestampIncrement: UInt32(ticks),
                                      limits: limits.annexB)
            let units = try reader.readAll()
            let samples = units.enumerated().map { n, unit in
                MediaFileSample(unit: unit, decodeTime: Int64(n) * Int64(ticks), duration: Int64(ticks))
            }
            return [MediaFileTrack(codec: codec, timescale: 90_000, samples: samples)]
        case .ivf:
            return [try ivfTrack(bytes, limits: limits.ivf)]
        case .mp4:
            return try mp4Tracks(bytes, limits: limits.mp4)
        case .oggOpus:
            var reader = try OggOpusReader(bytes, limits: limits.ogg)
            let samples = try reader.readAll().map { packet in
                MediaFileSample(unit: AccessUnit(payloads: [packet.data], rtpTimestamp: 0, isKeyframe: true),
                                decodeTime: packet.startSample, duration: Int64(packet.sampleCount))
            }
            return [MediaFileTrack(codec: .opus, timescale: 48_000, channels: Int(reader.head.channelCount), samples: samples)]
        }
    }

    /// IVF frames timed by the header's timebase; a frame lasts until the next one's timestamp.
    static func ivfTrack(_ bytes: [UInt8], limits: IVFReader.Limits) throws(ContainerError) -> MediaFileTrack {
        var reader = try IVFReader(bytes, limits: limits)
        let header = reader.header
        guard let codec = CodecDescriptor.Format.allCases.first(where: { ContainerFormat.ivfFourCC($0) == header.fourCC }) else {
            throw .unsupported("IVF FourCC '\(header.fourCC)' (VP80, VP90 or AV01)")
        }
        let frames = try reader.readAll()
        var samples: [MediaFileSample] = []
        samples.reserveCapacity(frames.count)
        let numerator = UInt64(header.timebaseNumerator)
        for (n, frame) in frames.enumerated() {
            let (ticks, overflow) = frame.timestamp.multipliedReportingOverflow(by: numerator)
            guard !overflow, ticks <= UInt64(Int64.max / 2) else { throw .invalid("IVF frame \(n) timestamp \(frame.timestamp)") }
            let time = Int64(ticks)
            if let last = samples.last {
                guard time > last.decodeTime else {
                    throw .invalid("IVF frame \(n) timestamp \(frame.timestamp) is not after the previous frame's")
                }
                samples[samples.count - 1].duration = time - last.decodeTime
            }
            let unit = AccessUnit(payloads: [frame.data], rtpTimestamp: 0, isKeyframe: isKeyframe(frame.data, codec: codec))
            samples.append(MediaFileSample(unit: unit, decodeTime: time, duration: samples.last?.duration ?? Int64(numerator)))
        }
        return MediaFileTrack(codec: codec, timescale: Int(header.timebaseDenominator), samples: samples)
    }

    /// VP8/VP9: the frame header's key frame bit; AV1: the temporal unit has a sequence header.
    static func isKeyframe(_ frame: [UInt8], codec: CodecDescriptor.Format) -> Bool {
        switch codec {
        case .vp8:
            return frame.first.map(VP8.isKeyframeHeader) ?? false
        case .vp9:
            return (try? VP9.FrameHeader(parsing: frame[...]))?.isKeyframe ?? false
        case .av1:
            var rest = frame[...]
            while !rest.isEmpty, let obu = try? AV1.OBU(parsing: rest) {
                if obu.type == AV1.OBUType.sequenceHeader { return true }
                rest = rest[obu.endIndex...]
            }
            return false
        default:
            return true
        }
    }

    /// Every MP4 track whose codec the registry knows; an error when there is none.
    static func mp4Tracks(_ bytes: [UInt8], limits: MP4Reader.Limits) throws(ContainerError) -> [MediaFileTrack] {
        let reader = try MP4Reader(bytes, limits: limits)
        guard !reader.tracks.isEmpty else {
            throw .unsupported("MP4 without a track in H.264, H.265, VP8, VP9, AV1, Opus or AAC (found: \(reader.skippedTracks))")
        }
        var tracks: [MediaFileTrack] = []
        for track in reader.tracks {
            var samples: [MediaFileSample] = []
            samples.reserveCapacity(track.samples.count)
            for sample in track.samples {
                samples.append(MediaFileSample(unit: try reader.accessUnit(sample, of: track), decodeTime: sample.decodeTime,
                                               compositionOffset: sample.compositionOffset, duration: sample.duration))
            }
            tracks.append(MediaFileTrack(codec: track.codec, timescale: track.timescale, channels: track.channels,
                                         sampleRate: track.sampleRate, audioSpecificConfig: track.audioSpecificConfig,
                                         samples: samples))
        }
        return tracks
    }
}
