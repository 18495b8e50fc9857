import Codecs
import RTCBase

/// Reads a progressive MP4 (ISO/IEC 14496-12; sample entries of ISO/IEC 14496-15 for H.264 and
/// H.265, VP-ISOBMFF, AV1-ISOBMFF, Opus-in-ISOBMFF, ISO/IEC 14496-14 for AAC) held in memory:
/// the `moov` box's tracks and their sample tables (`stts`, `ctts`, `stsc`, `stsz`, `stco`/`co64`,
/// `stss`), expanded into one `Sample` per coded frame. Samples stay in the file's bytes until
/// `accessUnit(_:of:)` copies one out. Fragmented MP4 (`moof`: `tfhd`, `tfdt`, `trun` with `trex`
/// defaults) adds each fragment's samples after the `moov`'s.
/// Every size and count taken from the file is checked against `Limits`.
public struct MP4Reader: Sendable {
    public struct Limits: Sendable, Equatable {
        /// Deepest box nesting looked at (moov/trak/mdia/minf/stbl/stsd/avc1/avcC is 8).
        public var maxBoxDepth: Int
        /// Largest `moov` box, in bytes.
        public var maxMetadataBytes: Int
        /// Most tracks in `moov`.
        public var maxTracks: Int
        /// Most samples in one track; also caps the entries of every sample table.
        public var maxSamplesPerTrack: Int
        /// Largest sample, in bytes.
        public var maxSampleBytes: Int
        /// Most NAL units in one H.264/H.265 sample.
        public var maxNALUnitsPerSample: Int

        public init(maxBoxDepth: Int = 16, maxMetadataBytes: Int = 32 << 20, maxTracks: Int = 16,
                    maxSamplesPerTrack: Int = 1_000_000, maxSampleBytes: Int = 4 << 20, maxNALUnitsPerSample: Int = 1024) {
            self.maxBoxDepth = maxBoxDepth
            self.maxMetadataBytes = maxMetadataBytes
            self.maxTracks = maxTracks
            self.maxSamplesPerTrack = maxSamplesPerTrack
            self.maxSampleBytes = maxSampleBytes
            self.maxNALUnitsPerSample = maxNALUnitsPerSample
        }
    }

    /// One coded frame: where it is in the file and when, in the track's timescale.
    public struct Sample: Sendable, Equatable {
        public var offset: Int
        public var size: Int
        public var decodeTime: Int64
        /// Presentation time minus decode time (`ctts`; B-frames).
        public var compositionOffset: Int64
        public var duration: Int64
        public var isSync: Bool
    }

    /// A track whose codec the registry knows.
    public struct Track: Sendable {
        public var trackID: UInt32
        public var codec: CodecDescriptor.Format
        /// Ticks per second of the sample times (`mdhd`).
        public var timescale: Int
        /// Audio channels and sample rate from the sample entry.
        public var channels: Int?
        public var sampleRate: Int?
        /// H.264 SPS/PPS (`avcC`) or H.265 VPS/SPS/PPS (`hvcC`), sent in-band before keyframes.
        public var parameterSets: [[UInt8]]
        /// Bytes of each NAL unit's length prefix in H.264/H.265 samples (1, 2 or 4).
        public var nalLengthSize: Int
        /// AAC: the AudioSpecificConfig of `esds`.
        public var audioSpecificConfig: [UInt8]?
        public var samples: [Sample]
    }

    public let limits: Limits
    public let tracks: [Track]
    /// Sample entry types of tracks left out because no codec here plays them (e.g. "mp4v", "text").
    public let skippedTracks: [String]
    private let bytes: [UInt8]

    public init(_ bytes: [UInt8], limits: Limits = Limits()) throws(ContainerError) {
        self.bytes = bytes
        self.limits = limits
        var moov: Box?
        var fragments: [Box] = []
        for box in try Self.boxes(in: bytes[...], depth: 1, limits: limits, context: "file") {
            switch box.type {
            case "moof":
                fragments.append(box)
            case "moov":
                guard box.body.count <= limits.maxMetadataBytes else {
                    throw .limitExceeded(field: "MP4 moov box size", value: box.body.count, limit: limits.maxMetadataBytes)
                }
                moov = box
            default:
                continue
            }
        }
        guard let moov else { throw .invalid("MP4: no moov box (not an MP4 file, or cut short)") }
        let children = try Self.boxes(in: moov.body, depth: 2, limits: limits, context: "moov")
        let traks = children.filter { $0.type == "trak" }
        guard traks.count <= limits.maxTracks else {
            throw .limitExceeded(field: "MP4 tracks", value: traks.count, limit: limits.maxTracks)
        }
        var tracks: [Track] = []
        var skipped: [String] = []
        for trak in traks {
            switch try Self.track(trak, fileSize: bytes.count, limits: limits) {
            case .track(let track): tracks.append(track)
            case .skipped(let entry): skipped.append(entry)
            }
        }
        if !fragments.isEmpty {
            let defaults = try children.first { $0.type == "mvex" }.map { mvex throws(ContainerError) in
                try Self.trackDefaults(mvex, limits: limits)
            } ?? [:]
            for moof in fragments {
                try Self.appendFragment(moof, moofStart: moof.offset, to: &tracks, defaults: defaults, fileSize: bytes.count,
                                        limits: limits)
            }
        }
        self.tracks = tracks
        skippedTracks = skipped
    }

    /// The bytes of `sample` as an access unit of `track`'s codec: H.264/H.265 length prefixes
    /// removed, the parameter sets of the sample entry put before a sync sample that lacks them;
    /// other codecs' samples as one payload. `rtpTimestamp` is left 0: the sample has the times.
    public func accessUnit(_ sample: Sample, of track: Track) throws(ContainerError) -> AccessUnit {
        let where_ = "sample at offset \(sample.offset) of track \(track.trackID)"
        guard sample.offset >= 0, sample.size >= 0, sample.size <= bytes.count - min(sample.offset, bytes.count) else {
            throw .truncated(where_)
        }
        let data = bytes[sample.offset..<(sample.offset + sample.size)]
        let isVideo = CodecRegistry.descriptor(for: track.codec)?.kind == .video
        guard track.codec == .h264 || track.codec == .h265 else {
            return AccessUnit(payloads: [Array(data)], rtpTimestamp: 0, isKeyframe: sample.isSync || !isVideo)
        }
        var nalUnits: [[UInt8]] = []
        var reader = ByteReader(data)
        while !reader.isAtEnd {
            guard nalUnits.count < limits.maxNALUnitsPerSample else {
                throw .limitExceeded(field: "NAL units in \(where_)", value: nalUnits.count + 1, limit: limits.maxNALUnitsPerSample)
            }
            var length = 0
            for byte in try reader.readBytes(track.nalLengthSize, "NAL unit length in \(where_)") {
                length = length << 8 | Int(byte)
            }
            let nal = try reader.readBytes(length, "NAL unit of \(length) bytes in \(where_)")
            if !nal.isEmpty { nalUnits.append(Array(nal)) }
        }
        let isParameterSet: (UInt8) -> Bool = track.codec == .h264
            ? { H264.nalType($0) == H264.NALType.sps }
            : { H265.nalType($0) == H265.sps }
        if sample.isSync, !track.parameterSets.isEmpty, !nalUnits.contains(where: { $0.first.map(isParameterSet) == true }) {
            nalUnits.insert(contentsOf: track.parameterSets, at: 0)
        }
        return AccessUnit(payloads: nalUnits, rtpTimestamp: 0, isKeyframe: sample.isSync)
    }

    // MARK: - Boxes

    struct Box {
        var type: String
        var offset: Int
        /// The bytes after the header.
        var body: ArraySlice<UInt8>
    }

    /// The boxes laid end to end in `bytes` (a file, or a container box's body); `depth` is their
    /// nesting level (1 at the top).
    static func boxes(in bytes: ArraySlice<UInt8>, depth: Int, limits: Limits, context: String) throws(ContainerError) -> [Box] {
        guard depth <= limits.maxBoxDepth else {
            throw .limitExceeded(field: "MP4 box nesting depth in \(context)", value: depth, limit: limits.maxBoxDepth)
        }
        var boxes: [Box] = []
        var reader = ByteReader(bytes)
        while !reader.isAtEnd {
            let offset = reader.index
            let field = "MP4 box header at offset \(offset) in \(context)"
            let size32 = try reader.readUInt32BE(field)
            let type = String(decoding: try reader.readBytes(4, field), as: UTF8.self)
            var headerSize = 8
            var size: Int
            switch size32 {
            case 0:
                size = bytes.endIndex - offset            // to the end of the enclosing box
            case 1:
                let large = try reader.readUInt64BE(field)
                headerSize = 16
                guard large <= UInt64(bytes.endIndex - offset) else {
                    throw .truncated("MP4 \(type) box of \(large) bytes at offset \(offset) in \(context)")
                }
                size = Int(large)
            default:
                size = Int(size32)
            }
            guard size >= headerSize else { throw .invalid("MP4 \(type) box size \(size) at offset \(offset) in \(context)") }
            guard size <= bytes.endIndex - offset else {
                throw .truncated("MP4 \(type) box of \(size) bytes at offset \(offset) in \(context)")
            }
            boxes.append(Box(type: type, offset: offset, body: bytes[(offset + headerSize)..<(offset + size)]))
            try reader.skip(size - headerSize, field)
        }
        return boxes
    }

    static func child(_ type: String, of box: Box, depth: Int, limits: Limits) throws(ContainerError) -> Box? {
        try boxes(in: box.body, depth: depth, limits: limits, context: box.type).first { $0.type == type }
    }

    static func requiredChild(_ type: String, of box: Box, depth: Int, limits: Limits) throws(ContainerError) -> Box {
        guard let found = try child(type, of: box, depth: depth, limits: limits) else {
            throw .invalid("MP4: \(box.type) box at offset \(box.offset) has no \(type) box")
        }
        return found
    }
}

extension ByteReader {
    mutating func readUInt16BE(_ field: @autoclosure () -> String) throws(ContainerError) -> UInt16 {
        do { return try readUInt16() } catch { throw .truncated(field()) }
    }

    mutating func readUInt32BE(_ field: @autoclosure () -> String) throws(ContainerError) -> UInt32 {
        do { return try readUInt32() } catch { throw .truncated(field()) }
    }

    mutating func readUInt64BE(_ field: @autoclosure () -> String) throws(ContainerError) -> UInt64 {
        do { return try readUInt64() } catch { throw .truncated(field()) }
    }

    mutating func skip(_ count: Int, _ field: @autoclosure () -> String) throws(ContainerError) {
        do { try skip(count) } catch { throw .truncated(field()) }
    }
}
