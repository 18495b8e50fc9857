import RTCBase

/// Fragmented MP4 (ISO/IEC 14496-12 §8.8): defaults per track from `mvex/trex`, then each `moof`'s
/// track fragments (`tfhd`, `tfdt`, `trun`) appended to the track's samples in file order. Sample
/// counts stay within `maxSamplesPerTrack` across all fragments; every offset is checked against
/// the file.
extension MP4Reader {
    struct TrackDefaults {
        var duration: UInt32 = 0
        var size: UInt32 = 0
        var flags: UInt32 = 0
    }

    /// `trex` defaults by track ID.
    static func trackDefaults(_ mvex: Box, limits: Limits) throws(ContainerError) -> [UInt32: TrackDefaults] {
        var defaults: [UInt32: TrackDefaults] = [:]
        for trex in try boxes(in: mvex.body, depth: 3, limits: limits, context: "mvex") where trex.type == "trex" {
            var reader = ByteReader(trex.body)
            try reader.skip(4, "MP4 trex")
            let trackID = try reader.readUInt32BE("MP4 trex")
            try reader.skip(4, "MP4 trex")
            let duration = try reader.readUInt32BE("MP4 trex")
            let size = try reader.readUInt32BE("MP4 trex")
            let flags = try reader.readUInt32BE("MP4 trex")
            defaults[trackID] = TrackDefaults(duration: duration, size: size, flags: flags)
        }
        return defaults
    }

    /// Appends the samples of one `moof` to `tracks` (by track ID).
    static func appendFragment(_ moof: Box, moofStart: Int, to tracks: inout [Track], defaults: [UInt32: TrackDefaults],
                               fileSize: Int, limits: Limits) throws(ContainerError) {
        guard moof.body.count <= limits.maxMetadataBytes else {
            throw .limitExceeded(field: "MP4 moof box size", value: moof.body.count, limit: limits.maxMetadataBytes)
        }
        for traf in try boxes(in: moof.body, depth: 2, limits: limits, context: "moof") where traf.type == "traf" {
            let children = try boxes(in: traf.body, depth: 3, limits: limits, context: "traf")
            guard let tfhd = children.first(where: { $0.type == "tfhd" }) else { throw .invalid("MP4 traf without tfhd") }
            var header = ByteReader(tfhd.body)
            let tfhdFlags = try header.readUInt32BE("MP4 tfhd") & 0x00ff_ffff
            let trackID = try header.readUInt32BE("MP4 tfhd")
            let context = "MP4 track \(trackID) fragment at offset \(moofStart)"
            var base = moofStart
            var trackDefaults = defaults[trackID] ?? TrackDefaults()
            if tfhdFlags & 0x01 != 0 {
                let offset = try header.readUInt64BE(context)
                guard offset <= UInt64(fileSize) else { throw .truncated("\(context): base data offset \(offset)") }
                base = Int(offset)
            }
            if tfhdFlags & 0x02 != 0 { try header.skip(4, context) }
            if tfhdFlags & 0x08 != 0 { trackDefaults.duration = try header.readUInt32BE(context) }
            if tfhdFlags & 0x10 != 0 { trackDefaults.size = try header.readUInt32BE(context) }
            if tfhdFlags & 0x20 != 0 { trackDefaults.flags = try header.readUInt32BE(context) }
            guard let index = tracks.firstIndex(where: { $0.trackID == trackID }) else { continue }   // a skipped track

            var decodeTime = tracks[index].samples.last.map { $0.decodeTime + $0.duration } ?? 0
            if let tfdt = children.first(where: { $0.type == "tfdt" }) {
                var reader = ByteReader(tfdt.body)
                let version = try reader.readByte(context)
                try reader.skip(3, context)
                let time = version == 1 ? try reader.readUInt64BE(context) : UInt64(try reader.readUInt32BE(context))
                guard time <= UInt64(Int64.max / 2) else { throw .invalid("\(context): tfdt \(time)") }
                decodeTime = Int64(time)
            }
            for trun in children where trun.type == "trun" {
                try appendRun(trun, into: &tracks[index], base: base, decodeTime: &decodeTime, defaults: trackDefaults,
                              fileSize: fileSize, limits: limits, context: context)
            }
        }
    }

    /// One `trun`: per-sample duration, size, flags and composition offset, or the defaults.
    static func appendRun(_ trun: Box, into track: inout Track, base: Int, decodeTime: inout Int64, defaults: TrackDefaults,
                          fileSize: Int, limits: Limits, context: String) throws(ContainerError) {
        var reader = ByteReader(trun.body)
        let versionAndFlags = try reader.readUInt32BE("\(context) trun")
        let version = versionAndFlags >> 24, flags = versionAndFlags & 0x00ff_ffff
        let count = try reader.readUInt32BE("\(context) trun sample_count")
        let room = limits.maxSamplesPerTrack - track.samples.count
        guard count <= UInt32(clamping: max(room, 0)) else {
            throw .limitExceeded(field: "\(context) samples", value: track.samples.count + Int(clamping: count),
                                 limit: limits.maxSamplesPerTrack)
        }
        let perSample = [0x100, 0x200, 0x400, 0x800].filter { flags & UInt32($0) != 0 }.count * 4
        guard Int(count) * perSample <= reader.remaining else { throw .truncated("\(context) trun of \(count) samples") }
        var offset = base
        if flags & 0x01 != 0 {
            let dataOffset = Int(Int32(bitPattern: try reader.readUInt32BE("\(context) trun")))
            offset = base + dataOffset
        }
        let firstFlags = flags & 0x04 != 0 ? try reader.readUInt32BE("\(context) trun") : nil
        for n in 0..<Int(count) {
            let duration = flags & 0x100 != 0 ? try reader.readUInt32BE("\(context) trun") : defaults.duration
            let size = flags & 0x200 != 0 ? try reader.readUInt32BE("\(context) trun") : defaults.size
            var sampleFlags = flags & 0x400 != 0 ? try reader.readUInt32BE("\(context) trun") : defaults.flags
            if n == 0, let firstFlags { sampleFlags = firstFlags }
            let rawOffset = flags & 0x800 != 0 ? try reader.readUInt32BE("\(context) trun") : 0
            let compositionOffset = version == 0 ? Int64(rawOffset) : Int64(Int32(bitPattern: rawOffset))
            guard size <= UInt32(clamping: limits.maxSampleBytes) else {
                throw .limitExceeded(field: "\(context) sample size", value: Int(clamping: size), limit: limits.maxSampleBytes)
            }
            guard offset >= 0, offset <= fileSize, Int(size) <= fileSize - offset else {
                throw .truncated("\(context): sample of \(size) bytes at offset \(offset) beyond the end of the file")
            }
            track.samples.append(Sample(offset: offset, size: Int(size), decodeTime: decodeTime, compositionOffset: compositionOffset,
                                        duration: Int64(duration), isSync: sampleFlags & 0x0001_0000 == 0))
            offset += Int(size)
            let (next, overflow) = decodeTime.addingReportingOverflow(Int64(duration))
            guard !overflow else { throw .invalid("\(context): decode time overflows") }
            decodeTime = next
        }
    }
}
