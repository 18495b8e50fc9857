import Codecs
import RTCBase

/// Writes fragmented MP4 (ISO/IEC 14496-12 §8.8): `header()` is `ftyp` + `moov` (one `trak`
/// per track with empty sample tables, and `mvex`), then every `fragment(...)` is one `moof` +
/// `mdat` that a player can read as soon as it is on disk. Sans-IO: it returns bytes.
///
/// Video samples are length-prefixed NAL units (4-byte lengths, see `Sample.lengthPrefixed`)
/// for H.264/H.265, whole frames for VP8/VP9 and AV1 temporal units; Opus samples are packets.
public struct FragmentedMP4Writer: Sendable {
    /// Caps that keep every box size inside 32 bits and a single fragment bounded.
    public struct Limits: Sendable, Equatable {
        public var maxTracks: Int
        /// Most samples of one track in one fragment.
        public var maxSamplesPerTrack: Int
        public var maxSampleBytes: Int
        /// Largest `mdat` payload of one fragment.
        public var maxFragmentBytes: Int
        /// Largest codec configuration (parameter sets, OBUs) per track.
        public var maxConfigurationBytes: Int

        public init(maxTracks: Int = 16, maxSamplesPerTrack: Int = 10_000, maxSampleBytes: Int = 16 << 20,
                    maxFragmentBytes: Int = 256 << 20, maxConfigurationBytes: Int = 64 << 10) {
            self.maxTracks = maxTracks
            self.maxSamplesPerTrack = maxSamplesPerTrack
            self.maxSampleBytes = maxSampleBytes
            self.maxFragmentBytes = maxFragmentBytes
            self.maxConfigurationBytes = maxConfigurationBytes
        }
    }

    /// One coded sample and how long it lasts, in its track's timescale.
    public struct Sample: Sendable, Equatable {
        public var data: [UInt8]
        public var duration: UInt32
        /// True when a decoder can start here (keyframes; every audio sample).
        public var isSync: Bool

        public init(data: [UInt8], duration: UInt32, isSync: Bool) {
            self.data = data
            self.duration = duration
            self.isSync = isSync
        }

        /// NAL units with 4-byte big-endian length prefixes (ISO/IEC 14496-15 §5.3.2, AVCC).
        public static func lengthPrefixed(_ nalUnits: [[UInt8]]) -> [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(nalUnits.reduce(0) { $0 + 4 + $1.count })
            for nal in nalUnits {
                out.appendUInt32(UInt32(truncatingIfNeeded: nal.count))
                out += nal
            }
            return out
        }
    }

    /// Movie timescale of `mvhd` (durations there are zero: the movie is fragmented).
    static let movieTimescale: UInt32 = 1000

    public let tracks: [RecordingTrack]
    public let limits: Limits
    /// Decode time of each track's next sample, in its timescale (`tfdt`). Starts at zero; set an
    /// entry before the first fragment to start a track later than the others.
    public var nextDecodeTimes: [UInt32: UInt64]
    private let headerBytes: [UInt8]

    /// Validates the tracks and builds the header. Throws on duplicate or zero track IDs, missing
    /// parameter sets, a zero timescale, or a configuration over the limits.
    public init(tracks: [RecordingTrack], limits: Limits = Limits()) throws(ContainerError) {
        guard !tracks.isEmpty else { throw .invalid("fragmented MP4 without tracks") }
        guard tracks.count <= limits.maxTracks else {
            throw .limitExceeded(field: "MP4 track count", value: tracks.count, limit: limits.maxTracks)
        }
        var resolved: [RecordingTrack] = []
        for var track in tracks {
            guard track.id != 0, !resolved.contains(where: { $0.id == track.id }) else {
                throw .invalid("MP4 track ID \(track.id) (zero or duplicate)")
            }
            guard track.timescale > 0 else { throw .invalid("MP4 track \(track.id) timescale 0") }
            try Self.resolveSize(&track, limits: limits)
            resolved.append(track)
        }
        self.tracks = resolved
        self.limits = limits
        self.nextDecodeTimes = Dictionary(uniqueKeysWithValues: resolved.map { ($0.id, 0) })
        var bytes: [UInt8] = []
        Self.appendFileType(to: &bytes)
        Self.appendMovie(tracks: resolved, to: &bytes)
        headerBytes = bytes
    }

    /// `ftyp` + `moov`: write once at the start of a file.
    public func header() -> [UInt8] { headerBytes }

    /// One `moof` + `mdat` holding `samples` (by track ID; tracks without samples are left out).
    /// Returns an empty array when there are no samples at all. Decode times continue from the
    /// previous fragment of each track.
    public mutating func fragment(samples: [UInt32: [Sample]], sequenceNumber: UInt32) throws(ContainerError) -> [UInt8] {
        var total = 0
        var present: [(track: RecordingTrack, samples: [Sample])] = []
        for (id, list) in samples where !list.isEmpty {
            guard let track = tracks.first(where: { $0.id == id }) else { throw .invalid("MP4 track ID \(id) not in header") }
            guard list.count <= limits.maxSamplesPerTrack else {
                throw .limitExceeded(field: "MP4 samples of track \(id) in fragment", value: list.count,
                                     limit: limits.maxSamplesPerTrack)
            }
            for sample in list {
                guard sample.data.count <= limits.maxSampleBytes else {
                    throw .limitExceeded(field: "MP4 sample size", value: sample.data.count, limit: limits.maxSampleBytes)
                }
                total += sample.data.count
                guard total <= limits.maxFragmentBytes else {
                    throw .limitExceeded(field: "MP4 fragment size", value: total, limit: limits.maxFragmentBytes)
                }
            }
            present.append((track, list))
        }
        guard !present.isEmpty else { return [] }
        present.sort { $0.track.id < $1.track.id }

        var out: [UInt8] = []
        out.reserveCapacity(total + 256 + 16 * present.reduce(0) { $0 + $1.samples.count })
        var dataOffsetFields: [Int] = []
        out.appendBox("moof") { moof in
            moof.appendFullBox("mfhd", version: 0, flags: 0) { $0.appendUInt32(sequenceNumber) }
            for (track, list) in present {
                let decodeTime = nextDecodeTimes[track.id] ?? 0
                dataOffsetFields.append(Self.appendTrackFragment(track: track, samples: list,
                                                                 decodeTime: decodeTime, to: &moof))
                nextDecodeTimes[track.id] = list.reduce(decodeTime) { $0 &+ UInt64($1.duration) }
            }
        }
        // data_offset counts from the start of the moof (default-base-is-moof) to the samples.
        var dataOffset = out.count + 8
        for (field, entry) in zip(dataOffsetFields, present) {
            out.patchUInt32(UInt32(truncatingIfNeeded: dataOffset), at: field)
            dataOffset += entry.samples.reduce(0) { $0 + $1.data.count }
        }
        out.appendBox("mdat") { mdat in
            for entry in present { for sample in entry.samples { mdat += sample.data } }
        }
        return out
    }

    // MARK: - Fragment boxes

    /// `traf` with `tfhd`, `tfdt` and `trun` (§8.8.7, §8.8.12, §8.8.8). Returns the offset of the
    /// trun's data_offset field, patched once the moof size is known.
    static func appendTrackFragment(track: RecordingTrack, samples: [Sample], decodeTime: UInt64,
                                    to out: inout [UInt8]) -> Int {
        var dataOffsetField = 0
        out.appendBox("traf") { traf in
            traf.appendFullBox("tfhd", version: 0, flags: 0x02_0000) { $0.appendUInt32(track.id) }  // default-base-is-moof
            traf.appendFullBox("tfdt", version: 1, flags: 0) { $0.appendUInt64(decodeTime) }
            // data-offset, sample-duration, sample-size and sample-flags present.
            traf.appendFullBox("trun", version: 0, flags: 0x00_0701) { trun in
                trun.appendUInt32(UInt32(truncatingIfNeeded: samples.count))
                dataOffsetField = trun.count
                trun.appendUInt32(0)
                for sample in samples {
                    trun.appendUInt32(sample.duration)
                    trun.appendUInt32(UInt32(truncatingIfNeeded: sample.data.count))
                    trun.appendUInt32(sampleFlags(isSync: sample.isSync))
                }
            }
        }
        return dataOffsetField
    }

    /// Sample flags (§8.8.3.1): sync samples depend on no other sample; others depend on earlier
    /// samples and carry sample_is_non_sync_sample.
    static func sampleFlags(isSync: Bool) -> UInt32 {
        isSync ? 0x0200_0000 : 0x0101_0000
    }

    // MARK: - Header boxes

    static func appendFileType(to out: inout [UInt8]) {
        out.appendBox("ftyp") { ftyp in
            ftyp.appendFourCC("iso6")
            ftyp.appendUInt32(0)
            for brand: StaticString in ["iso6", "mp41"] { ftyp.appendFourCC(brand) }
        }
    }

    static func appendMovie(tracks: [RecordingTrack], to out: inout [UInt8]) {
        out.appendBox("moov") { moov in
            moov.appendFullBox("mvhd", version: 0, flags: 0) { mvhd in
                mvhd.appendUInt32(0)                 // creation_time
                mvhd.appendUInt32(0)                 // modification_time
                mvhd.appendUInt32(movieTimescale)
                mvhd.appendUInt32(0)                 // duration: unknown, fragments follow
                mvhd.appendUInt32(0x0001_0000)       // rate 1.0
                mvhd.appendUInt16(0x0100)            // volume 1.0
                mvhd.appendZeros(10)                 // reserved
                mvhd.appendUnityMatrix()
                mvhd.appendZeros(24)                 // pre_defined
                mvhd.appendUInt32((tracks.map(\.id).max() ?? 0) &+ 1)   // next_track_ID
            }
            for track in tracks { appendTrack(track, to: &moov) }
            moov.appendBox("mvex") { mvex in
                for track in tracks {
                    mvex.appendFullBox("trex", version: 0, flags: 0) { trex in
                        trex.appendUInt32(track.id)
                        trex.appendUInt32(1)         // default_sample_description_index
                        trex.appendUInt32(0)         // default_sample_duration
                        trex.appendUInt32(0)         // default_sample_size
                        trex.appendUInt32(0)         // default_sample_flags
                    }
                }
            }
        }
    }

    static func appendTrack(_ track: RecordingTrack, to out: inout [UInt8]) {
        let isAudio = track.codec.isAudio
        out.appendBox("trak") { trak in
            trak.appendFullBox("tkhd", version: 0, flags: 0x000003) { tkhd in   // enabled, in movie
                tkhd.appendUInt32(0)
                tkhd.appendUInt32(0)
                tkhd.appendUInt32(track.id)
                tkhd.appendUInt32(0)                 // reserved
                tkhd.appendUInt32(0)                 // duration
                tkhd.appendZeros(8)                  // reserved
                tkhd.appendUInt16(0)                 // layer
                tkhd.appendUInt16(0)                 // alternate_group
                tkhd.appendUInt16(isAudio ? 0x0100 : 0)
                tkhd.appendUInt16(0)
                tkhd.appendUnityMatrix()
                tkhd.appendUInt32(UInt32(truncatingIfNeeded: track.width) << 16)
                tkhd.appendUInt32(UInt32(truncatingIfNeeded: track.height) << 16)
            }
            trak.appendBox("mdia") { mdia in
                mdia.appendFullBox("mdhd", version: 0, flags: 0) { mdhd in
                    mdhd.appendUInt32(0)
                    mdhd.appendUInt32(0)
                    mdhd.appendUInt32(track.timescale)
                    mdhd.appendUInt32(0)
                    mdhd.appendUInt16(0x55C4)        // language "und" (ISO 639-2/T, 5-bit packed)
                    mdhd.appendUInt16(0)
                }
                mdia.appendFullBox("hdlr", version: 0, flags: 0) { hdlr in
                    hdlr.appendUInt32(0)
                    hdlr.appendFourCC(isAudio ? "soun" : "vide")
                    hdlr.appendZeros(12)
                    hdlr += Array((isAudio ? "SoundHandler" : "VideoHandler").utf8) + [0]
                }
                mdia.appendBox("minf") { minf in
                    if isAudio {
                        minf.appendFullBox("smhd", version: 0, flags: 0) { $0.appendZeros(4) }
                    } else {
                        minf.appendFullBox("vmhd", version: 0, flags: 1) { $0.appendZeros(8) }
                    }
                    minf.appendBox("dinf") { dinf in
                        dinf.appendFullBox("dref", version: 0, flags: 0) { dref in
                            dref.appendUInt32(1)
                            dref.appendFullBox("url ", version: 0, flags: 1) { _ in }   // media in this file
                        }
                    }
                    minf.appendBox("stbl") { stbl in
                        stbl.appendFullBox("stsd", version: 0, flags: 0) { stsd in
                            stsd.appendUInt32(1)
                            appendSampleEntry(track, to: &stsd)
                        }
                        stbl.appendFullBox("stts", version: 0, flags: 0) { $0.appendUInt32(0) }
                        stbl.appendFullBox("stsc", version: 0, flags: 0) { $0.appendUInt32(0) }
                        stbl.appendFullBox("stsz", version: 0, flags: 0) { $0.appendUInt32(0); $0.appendUInt32(0) }
                        stbl.appendFullBox("stco", version: 0, flags: 0) { $0.appendUInt32(0) }
                    }
                }
            }
        }
    }
}
