import Codecs
import RTCBase

/// One `trak` box: its sample entry (`stsd`) and its sample tables, expanded into samples.
extension MP4Reader {
    enum TrackResult {
        case track(Track)
        /// A track of a sample entry type no codec here plays.
        case skipped(String)
    }

    /// The codec of a sample entry type, nil for types not played here.
    static func codec(ofSampleEntry type: String) -> CodecDescriptor.Format? {
        switch type {
        case "avc1", "avc3": .h264
        case "hvc1", "hev1": .h265
        case "vp08": .vp8
        case "vp09": .vp9
        case "av01": .av1
        case "Opus": .opus
        case "mp4a": .aac
        default: nil
        }
    }

    static func track(_ trak: Box, fileSize: Int, limits: Limits) throws(ContainerError) -> TrackResult {
        let tkhd = try requiredChild("tkhd", of: trak, depth: 3, limits: limits)
        var reader = ByteReader(tkhd.body)
        let version = try reader.readByte("MP4 tkhd version")
        try reader.skip(version == 1 ? 19 : 11, "MP4 tkhd")
        let trackID = try reader.readUInt32BE("MP4 tkhd track_ID")
        let context = "MP4 track \(trackID)"

        let mdia = try requiredChild("mdia", of: trak, depth: 3, limits: limits)
        let timescale = try mediaTimescale(try requiredChild("mdhd", of: mdia, depth: 4, limits: limits), context: context)
        let minf = try requiredChild("minf", of: mdia, depth: 4, limits: limits)
        let stbl = try requiredChild("stbl", of: minf, depth: 5, limits: limits)
        let tables = try boxes(in: stbl.body, depth: 6, limits: limits, context: "stbl of track \(trackID)")
        func table(_ type: String) -> Box? { tables.first { $0.type == type } }
        guard let stsd = table("stsd") else { throw .invalid("\(context): no stsd box") }
        var entryReader = ByteReader(stsd.body)
        try entryReader.skip(4, "\(context) stsd")
        let entryCount = try entryReader.readUInt32BE("\(context) stsd entry_count")
        guard entryCount >= 1, let entry = try boxes(in: entryReader.rest, depth: 7, limits: limits, context: "stsd of track \(trackID)").first else {
            throw .invalid("\(context): stsd has no sample entry")
        }
        guard let codec = codec(ofSampleEntry: entry.type) else { return .skipped(entry.type) }
        var track = Track(trackID: trackID, codec: codec, timescale: timescale, channels: nil, sampleRate: nil,
                          parameterSets: [], nalLengthSize: 4, audioSpecificConfig: nil, samples: [])
        try readSampleEntry(entry, into: &track, limits: limits, context: context)
        track.samples = try samples(tables: table, fileSize: fileSize, limits: limits, context: context)
        return .track(track)
    }

    static func mediaTimescale(_ mdhd: Box, context: String) throws(ContainerError) -> Int {
        var reader = ByteReader(mdhd.body)
        let version = try reader.readByte("\(context) mdhd version")
        try reader.skip(version == 1 ? 19 : 11, "\(context) mdhd")
        let timescale = try reader.readUInt32BE("\(context) mdhd timescale")
        guard timescale > 0 else { throw .invalid("\(context): mdhd timescale 0") }
        return Int(timescale)
    }

    // MARK: - Sample entries

    /// Reads the fields of a visual (78 bytes before its boxes) or audio (28 bytes) sample entry
    /// and its configuration box: `avcC`, `hvcC`, `esds`.
    static func readSampleEntry(_ entry: Box, into track: inout Track, limits: Limits, context: String) throws(ContainerError) {
        let isAudio = track.codec == .opus || track.codec == .aac
        let fieldsSize = isAudio ? 28 : 78
        guard entry.body.count >= fieldsSize else { throw .truncated("\(context) \(entry.type) sample entry") }
        let fieldsStart = entry.body.startIndex
        if isAudio {
            var reader = ByteReader(entry.body[(fieldsStart + 16)...])
            track.channels = Int(try reader.readUInt16BE("\(context) channelcount"))
            try reader.skip(6, "\(context) audio sample entry")
            track.sampleRate = Int(try reader.readUInt32BE("\(context) samplerate") >> 16)
        }
        let children = try boxes(in: entry.body[(fieldsStart + fieldsSize)...], depth: 8, limits: limits,
                                 context: "\(entry.type) of \(context)")
        switch track.codec {
        case .h264:
            guard let avcC = children.first(where: { $0.type == "avcC" }) else { throw .missingConfiguration("avcC in \(context)") }
            try readAVCConfiguration(avcC.body, into: &track, context: context)
        case .h265:
            guard let hvcC = children.first(where: { $0.type == "hvcC" }) else { throw .missingConfiguration("hvcC in \(context)") }
            try readHEVCConfiguration(hvcC.body, into: &track, context: context)
        case .aac:
            guard let esds = children.first(where: { $0.type == "esds" }) else { throw .missingConfiguration("esds in \(context)") }
            let config = try audioSpecificConfig(esds: esds.body, context: context)
            track.audioSpecificConfig = config
            // The configuration is the truth (the sample entry says 2 channels for mono too).
            if let parsed = try? AAC.AudioSpecificConfig(bytes: config) {
                track.sampleRate = parsed.sampleRate
                if parsed.channelConfiguration > 0 { track.channels = parsed.channelConfiguration }
            }
        default:
            break
        }
    }

    /// `AVCDecoderConfigurationRecord` (ISO/IEC 14496-15 §5.3.3.1): length size, SPS and PPS.
    static func readAVCConfiguration(_ body: ArraySlice<UInt8>, into track: inout Track, context: String) throws(ContainerError) {
        let field = "\(context) avcC"
        var reader = ByteReader(body)
        try reader.skip(4, field)
        track.nalLengthSize = try nalLengthSize(&reader, field)
        let spsCount = Int(try reader.readByte(field) & 0x1f)
        track.parameterSets += try sizedUnits(spsCount, &reader, "\(field) SPS")
        let ppsCount = Int(try reader.readByte(field))
        track.parameterSets += try sizedUnits(ppsCount, &reader, "\(field) PPS")
    }

    /// `HEVCDecoderConfigurationRecord` (ISO/IEC 14496-15 §8.3.3.1): length size and the arrays
    /// of VPS, SPS, PPS (and SEI, kept too).
    static func readHEVCConfiguration(_ body: ArraySlice<UInt8>, into track: inout Track, context: String) throws(ContainerError) {
        let field = "\(context) hvcC"
        var reader = ByteReader(body)
        try reader.skip(21, field)
        track.nalLengthSize = try nalLengthSize(&reader, field)
        let arrayCount = Int(try reader.readByte(field))
        for _ in 0..<arrayCount {
            _ = try reader.readByte(field)
            let count = Int(try reader.readUInt16BE(field))
            track.parameterSets += try sizedUnits(count, &reader, "\(field) NAL unit")
        }
        // VPS, SPS, PPS first, in that order; SEI after.
        track.parameterSets = track.parameterSets.enumerated().sorted { a, b in
            let ka = H265.nalType(a.element[0]), kb = H265.nalType(b.element[0])
            return (ka, a.offset) < (kb, b.offset)
        }.map(\.element)
    }

    /// `lengthSizeMinusOne` (low two bits) plus one: 1, 2 or 4.
    static func nalLengthSize(_ reader: inout ByteReader, _ field: String) throws(ContainerError) -> Int {
        let size = Int(try reader.readByte(field) & 0x03) + 1
        guard size != 3 else { throw .invalid("\(field): NAL length size 3") }
        return size
    }

    /// `count` NAL units, each after a 16-bit length; empty ones left out.
    static func sizedUnits(_ count: Int, _ reader: inout ByteReader, _ field: String) throws(ContainerError) -> [[UInt8]] {
        var units: [[UInt8]] = []
        for _ in 0..<count {
            let length = Int(try reader.readUInt16BE(field))
            let unit = try reader.readBytes(length, field)
            if !unit.isEmpty { units.append(Array(unit)) }
        }
        return units
    }

    /// The DecoderSpecificInfo (tag 5) inside the ES_Descriptor (tag 3) → DecoderConfigDescriptor
    /// (tag 4) of an `esds` box (ISO/IEC 14496-1 §7.2.6).
    static func audioSpecificConfig(esds body: ArraySlice<UInt8>, context: String) throws(ContainerError) -> [UInt8] {
        let field = "\(context) esds"
        var reader = ByteReader(body)
        try reader.skip(4, field)
        guard try reader.readByte(field) == 0x03 else { throw .invalid("\(field): no ES_Descriptor") }
        _ = try descriptorLength(&reader, field)
        try reader.skip(2, field)                                   // ES_ID
        let flags = try reader.readByte(field)
        if flags & 0x80 != 0 { try reader.skip(2, field) }         // dependsOn_ES_ID
        if flags & 0x40 != 0 { try reader.skip(Int(try reader.readByte(field)), field) }   // URL
        if flags & 0x20 != 0 { try reader.skip(2, field) }         // OCR_ES_Id
        guard try reader.readByte(field) == 0x04 else { throw .invalid("\(field): no DecoderConfigDescriptor") }
        _ = try descriptorLength(&reader, field)
        let objectType = try reader.readByte(field)
        guard objectType == 0x40 else { throw .unsupported("\(context): mp4a object type \(objectType) (only AAC, 0x40)") }
        try reader.skip(12, field)
        guard try reader.readByte(field) == 0x05 else { throw .missingConfiguration("AudioSpecificConfig in \(field)") }
        let length = try descriptorLength(&reader, field)
        guard length <= AAC.maxConfigBytes else {
            throw .limitExceeded(field: "\(field) AudioSpecificConfig bytes", value: length, limit: AAC.maxConfigBytes)
        }
        return Array(try reader.readBytes(length, "\(field) AudioSpecificConfig"))
    }

    /// An expandable descriptor size: up to four bytes of 7 bits each.
    static func descriptorLength(_ reader: inout ByteReader, _ field: String) throws(ContainerError) -> Int {
        var length = 0
        for _ in 0..<4 {
            let byte = try reader.readByte(field)
            length = length << 7 | Int(byte & 0x7f)
            if byte & 0x80 == 0 { return length }
        }
        return length
    }
}
