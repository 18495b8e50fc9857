import RTCBase

/// The sample table of a track (ISO/IEC 14496-12 §8.6, §8.7): sizes (`stsz`), chunks (`stsc`,
/// `stco`/`co64`), decode times (`stts`), composition offsets (`ctts`) and sync samples (`stss`),
/// expanded into one `Sample` each. Every entry count is capped by `maxSamplesPerTrack` and checked
/// against the box's size before anything is allocated; loops never run past the sample count.
extension MP4Reader {
    static func samples(tables table: (String) -> Box?, fileSize: Int, limits: Limits,
                        context: String) throws(ContainerError) -> [Sample] {
        if table("stz2") != nil { throw .unsupported("\(context): compact sample sizes (stz2)") }
        guard let stsz = table("stsz") else { throw .invalid("\(context): no stsz box") }
        var reader = ByteReader(stsz.body)
        try reader.skip(4, "\(context) stsz")
        let fixedSize = try reader.readUInt32BE("\(context) stsz sample_size")
        let sampleCount = try entryCount(&reader, entrySize: fixedSize == 0 ? 4 : 0, table: "stsz", limits: limits, context: context)
        var samples: [Sample] = []
        samples.reserveCapacity(sampleCount)
        for _ in 0..<sampleCount {
            let size = fixedSize == 0 ? try reader.readUInt32BE("\(context) stsz entry") : fixedSize
            guard size <= UInt32(clamping: limits.maxSampleBytes) else {
                throw .limitExceeded(field: "\(context) sample \(samples.count + 1) size", value: Int(clamping: size),
                                     limit: limits.maxSampleBytes)
            }
            samples.append(Sample(offset: 0, size: Int(size), decodeTime: 0, compositionOffset: 0, duration: 0, isSync: true))
        }
        try placeInChunks(&samples, tables: table, fileSize: fileSize, limits: limits, context: context)
        try applyTimeToSample(&samples, tables: table, limits: limits, context: context)
        try applySyncSamples(&samples, tables: table, limits: limits, context: context)
        return samples
    }

    /// Reads a table's 32-bit entry count, capped, and checks the box holds that many entries.
    static func entryCount(_ reader: inout ByteReader, entrySize: Int, table: String, limits: Limits,
                           context: String) throws(ContainerError) -> Int {
        let count = try reader.readUInt32BE("\(context) \(table) entry_count")
        guard count <= UInt32(clamping: limits.maxSamplesPerTrack) else {
            throw .limitExceeded(field: "\(context) \(table) entries", value: Int(clamping: count), limit: limits.maxSamplesPerTrack)
        }
        guard Int(count) <= reader.remaining / max(entrySize, 1) || entrySize == 0 else {
            throw .truncated("\(context) \(table): \(count) entries of \(entrySize) bytes in \(reader.remaining) bytes")
        }
        return Int(count)
    }

    /// Sample offsets: chunk offsets (`stco`/`co64`) plus the sizes of the samples before it in
    /// its chunk, chunks filled as `stsc` says.
    static func placeInChunks(_ samples: inout [Sample], tables table: (String) -> Box?, fileSize: Int, limits: Limits,
                              context: String) throws(ContainerError) {
        let wide = table("co64") != nil
        guard let chunkBox = table("co64") ?? table("stco") else { throw .invalid("\(context): no stco or co64 box") }
        var chunks = ByteReader(chunkBox.body)
        try chunks.skip(4, "\(context) \(chunkBox.type)")
        let chunkCount = try entryCount(&chunks, entrySize: wide ? 8 : 4, table: chunkBox.type, limits: limits, context: context)
        guard let stsc = table("stsc") else { throw .invalid("\(context): no stsc box") }
        var runs = ByteReader(stsc.body)
        try runs.skip(4, "\(context) stsc")
        let runCount = try entryCount(&runs, entrySize: 12, table: "stsc", limits: limits, context: context)
        var runList: [(firstChunk: UInt32, samplesPerChunk: UInt32)] = []
        runList.reserveCapacity(runCount)
        for _ in 0..<runCount {
            let first = try runs.readUInt32BE("\(context) stsc entry")
            let perChunk = try runs.readUInt32BE("\(context) stsc entry")
            try runs.skip(4, "\(context) stsc entry")
            guard first >= 1, first > (runList.last?.firstChunk ?? 0) else {
                throw .invalid("\(context) stsc: first_chunk \(first) out of order")
            }
            runList.append((first, perChunk))
        }
        var sampleIndex = 0
        var run = -1
        for chunkIndex in 0..<chunkCount {
            let chunk = chunkIndex + 1
            while run + 1 < runList.count && Int(runList[run + 1].firstChunk) <= chunk { run += 1 }
            guard run >= 0 else { throw .invalid("\(context) stsc: chunk \(chunk) has no entry") }
            let chunkOffset = wide ? try chunks.readUInt64BE("\(context) co64 entry")
                : UInt64(try chunks.readUInt32BE("\(context) stco entry"))
            guard chunkOffset <= UInt64(fileSize) else {
                throw .truncated("\(context): chunk \(chunk) at offset \(chunkOffset) beyond the end of the file (\(fileSize) bytes)")
            }
            var offset = Int(chunkOffset)
            let perChunk = Int(runList[run].samplesPerChunk)
            guard perChunk <= samples.count - sampleIndex else {
                throw .invalid("\(context): stsc puts more samples in chunks than stsz has (\(samples.count))")
            }
            for _ in 0..<perChunk {
                let size = samples[sampleIndex].size
                guard size <= fileSize - offset else {
                    throw .truncated("\(context): sample \(sampleIndex + 1) (\(size) bytes at offset \(offset)) beyond the end of the file")
                }
                samples[sampleIndex].offset = offset
                offset += size
                sampleIndex += 1
            }
        }
        guard sampleIndex == samples.count else {
            throw .invalid("\(context): chunks hold \(sampleIndex) samples, stsz has \(samples.count)")
        }
    }

    /// Decode times and durations (`stts`), composition offsets (`ctts`, signed in version 1).
    static func applyTimeToSample(_ samples: inout [Sample], tables table: (String) -> Box?, limits: Limits,
                                  context: String) throws(ContainerError) {
        guard let stts = table("stts") else { throw .invalid("\(context): no stts box") }
        var reader = ByteReader(stts.body)
        try reader.skip(4, "\(context) stts")
        let entries = try entryCount(&reader, entrySize: 8, table: "stts", limits: limits, context: context)
        var index = 0
        var time: Int64 = 0
        for _ in 0..<entries {
            let count = try reader.readUInt32BE("\(context) stts entry")
            let delta = Int64(try reader.readUInt32BE("\(context) stts entry"))
            for _ in 0..<min(Int(count), samples.count - index) {
                samples[index].decodeTime = time
                samples[index].duration = delta
                let (next, overflow) = time.addingReportingOverflow(delta)
                guard !overflow else { throw .invalid("\(context): stts decode time overflows") }
                time = next
                index += 1
            }
        }
        guard index == samples.count else { throw .invalid("\(context): stts times \(index) of \(samples.count) samples") }

        guard let ctts = table("ctts") else { return }
        var offsets = ByteReader(ctts.body)
        let version = try offsets.readByte("\(context) ctts")
        try offsets.skip(3, "\(context) ctts")
        let offsetEntries = try entryCount(&offsets, entrySize: 8, table: "ctts", limits: limits, context: context)
        index = 0
        for _ in 0..<offsetEntries {
            let count = try offsets.readUInt32BE("\(context) ctts entry")
            let raw = try offsets.readUInt32BE("\(context) ctts entry")
            let offset = version == 0 ? Int64(raw) : Int64(Int32(bitPattern: raw))
            for _ in 0..<min(Int(count), samples.count - index) {
                samples[index].compositionOffset = offset
                index += 1
            }
        }
    }

    /// Sync samples (`stss`, 1-based numbers); without the box every sample is one.
    static func applySyncSamples(_ samples: inout [Sample], tables table: (String) -> Box?, limits: Limits,
                                 context: String) throws(ContainerError) {
        guard let stss = table("stss") else { return }
        var reader = ByteReader(stss.body)
        try reader.skip(4, "\(context) stss")
        let entries = try entryCount(&reader, entrySize: 4, table: "stss", limits: limits, context: context)
        for index in samples.indices { samples[index].isSync = false }
        for _ in 0..<entries {
            let number = try reader.readUInt32BE("\(context) stss entry")
            guard number >= 1, number <= UInt32(clamping: samples.count) else {
                throw .invalid("\(context) stss: sample \(number) of \(samples.count)")
            }
            samples[Int(number) - 1].isSync = true
        }
    }
}
