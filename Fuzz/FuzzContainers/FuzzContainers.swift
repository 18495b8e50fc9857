// libFuzzer target for the file readers: H.264 Annex-B (ITU-T H.264 Annex B), Ogg Opus
// (RFC 3533, RFC 7845), IVF, and the MPEG-TS demuxer (ISO/IEC 13818-1).
//
// Single source file on purpose: a plain `swift build` compiles it as the executable's main file
// (an empty program), while `--sanitize=fuzzer` builds it as a library whose entry point is
// libFuzzer's driver calling `LLVMFuzzerTestOneInput`. See Fuzz/README.md.
import Codecs
import Containers

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    ContainersFuzzHarness.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// Reads the input with all three readers (each rejects the others' signatures quickly). Ogg
/// input is read a second time with every page CRC recomputed, so mutations get past the checksum.
/// Small limits make the caps reachable. Traps when a reader's output breaks an invariant.
enum ContainersFuzzHarness {
    static let annexBLimits = AnnexBReader.Limits(maxNALUnitBytes: 4096, maxNALUnitsPerAccessUnit: 16,
                                                  maxAccessUnitBytes: 8192)
    static let oggLimits = OggReader.Limits(maxPacketBytes: 4096)
    static let ivfLimits = IVFReader.Limits(maxFrameBytes: 4096)
    static let tsLimits = MPEGTSDemuxer.Limits(maxPESBytes: 8192, maxUnitsPerPES: 16, maxPrograms: 4, maxStreams: 4)

    static func run(_ bytes: [UInt8]) {
        checkAnnexB(bytes)
        checkOggOpus(bytes)
        if bytes.starts(with: "OggS".utf8) { checkOggOpus(withFixedChecksums(bytes)) }
        checkIVF(bytes)
        checkMPEGTS(bytes)
    }

    /// The demuxer, fed the input in 1316-byte chunks as a stream and as UDP datagrams: units
    /// within the limits, no empty NAL unit or frame, streams within the cap, and every unit of a
    /// stream the PMT announced.
    static func checkMPEGTS(_ bytes: [UInt8]) {
        for datagrams in [false, true] {
            var demuxer = MPEGTSDemuxer(limits: tsLimits)
            var events: [MPEGTSDemuxer.Event] = []
            var offset = 0
            while offset < bytes.count {
                let end = min(offset + 1316, bytes.count)
                events += datagrams ? demuxer.pushDatagram(bytes[offset..<end]) : demuxer.push(bytes[offset..<end])
                offset = end
            }
            events += demuxer.flush()
            checkMPEGTSEvents(events, demuxer: demuxer)
        }
    }

    static func checkMPEGTSEvents(_ events: [MPEGTSDemuxer.Event], demuxer: MPEGTSDemuxer) {
        guard demuxer.streams.count <= tsLimits.maxStreams else { fatalError("MPEG-TS streams over the cap") }
        for event in events {
            guard case .unit(let unit) = event else { continue }
            guard !unit.payloads.isEmpty, unit.payloads.count <= tsLimits.maxUnitsPerPES,
                  unit.payloads.allSatisfy({ !$0.isEmpty }),
                  unit.payloads.reduce(0, { $0 + $1.count }) <= tsLimits.maxPESBytes + 4 * 1024 else {
                fatalError("MPEG-TS unit over the limits: \(unit.payloads.map(\.count))")
            }
            guard demuxer.streams.contains(where: { $0.pid == unit.pid }) || events.contains(where: {
                if case .program(let streams) = $0 { streams.contains { $0.pid == unit.pid } } else { false }
            }) else { fatalError("MPEG-TS unit of an unannounced PID \(unit.pid)") }
        }
    }

    /// Access units stay within the limits, and writing them back with 4-byte start codes reads
    /// back the same units.
    static func checkAnnexB(_ bytes: [UInt8]) {
        var reader = AnnexBReader(bytes, limits: annexBLimits)
        guard let units = try? reader.readAll() else { return }
        var rewritten: [UInt8] = []
        for unit in units {
            guard !unit.payloads.isEmpty, unit.payloads.count <= annexBLimits.maxNALUnitsPerAccessUnit,
                  unit.byteCount <= annexBLimits.maxAccessUnitBytes else {
                fatalError("Annex-B access unit over the limits: \(unit.payloads.map(\.count))")
            }
            for nal in unit.payloads {
                guard let header = nal.first, header & 0x80 == 0, nal.last != 0 else {
                    fatalError("Annex-B reader delivered an empty, forbidden or zero-padded NAL unit")
                }
                rewritten += [0, 0, 0, 1]
                rewritten += nal
            }
        }
        var again = AnnexBReader(rewritten, limits: annexBLimits)
        guard let reread = try? again.readAll(), reread == units else {
            fatalError("Annex-B units change when written back: \(units.map { $0.payloads.map(\.count) })")
        }
    }

    /// Packets have a duration Opus allows (2.5 ms to 120 ms at 48 kHz) and consecutive start
    /// samples; reading again after `rewind()` gives the same packets.
    static func checkOggOpus(_ bytes: [UInt8]) {
        guard var reader = try? OggOpusReader(bytes, limits: oggLimits) else { return }
        guard let packets = try? reader.readAll() else { return }
        var expectedStart: Int64 = 0
        for packet in packets {
            guard !packet.data.isEmpty, packet.data.count <= oggLimits.maxPacketBytes,
                  (120...5760).contains(packet.sampleCount), packet.startSample == expectedStart else {
                fatalError("bad Ogg Opus packet: \(packet.data.count) bytes, \(packet.sampleCount) samples "
                           + "at \(packet.startSample), expected start \(expectedStart)")
            }
            expectedStart += Int64(packet.sampleCount)
        }
        reader.rewind()
        guard let again = try? reader.readAll(), again == packets else { fatalError("Ogg Opus rewind reads differently") }
    }

    /// Frames stay within the limit, and writing them back under the same header reads back the
    /// same frames.
    static func checkIVF(_ bytes: [UInt8]) {
        guard var reader = try? IVFReader(bytes, limits: ivfLimits), let frames = try? reader.readAll() else { return }
        var rewritten = Array(bytes.prefix(reader.header.headerSize))
        for frame in frames {
            guard frame.data.count <= ivfLimits.maxFrameBytes else { fatalError("IVF frame over the limit") }
            appendLittleEndian(UInt64(frame.data.count), bytes: 4, to: &rewritten)
            appendLittleEndian(frame.timestamp, bytes: 8, to: &rewritten)
            rewritten += frame.data
        }
        guard var again = try? IVFReader(rewritten, limits: ivfLimits), again.header == reader.header,
              let reread = try? again.readAll(), reread == frames else {
            fatalError("IVF frames change when written back: \(frames.map(\.data.count))")
        }
    }

    static func appendLittleEndian(_ value: UInt64, bytes count: Int, to out: inout [UInt8]) {
        for shift in stride(from: 0, to: count * 8, by: 8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// A copy with the CRC of every whole page (RFC 3533 §6) recomputed, up to the first thing
    /// that is not a whole page.
    static func withFixedChecksums(_ bytes: [UInt8]) -> [UInt8] {
        var fixed = bytes
        var offset = 0
        while offset + OggPage.headerSize <= fixed.count, fixed[offset...].starts(with: "OggS".utf8) {
            let segments = Int(fixed[offset + 26])
            let lacingEnd = offset + OggPage.headerSize + segments
            guard lacingEnd <= fixed.count else { break }
            let bodySize = fixed[(offset + OggPage.headerSize)..<lacingEnd].reduce(0) { $0 + Int($1) }
            let end = lacingEnd + bodySize
            guard end <= fixed.count else { break }
            let crc = OggCRC.pageChecksum(fixed[offset..<end])
            for index in 0..<4 { fixed[offset + 22 + index] = UInt8(truncatingIfNeeded: crc >> UInt32(8 * index)) }
            offset = end
        }
        return fixed
    }
}
