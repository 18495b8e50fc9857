import Codecs
import RTCBase

/// Program-specific information (ISO/IEC 13818-1 §2.4.4): sections reassembled across packets
/// (pointer_field), CRC-32 checked, the PAT (§2.4.4.3) and the followed program's PMT (§2.4.4.8).
extension MPEGTSDemuxer {
    /// A PSI section of at most 1024 bytes being reassembled (§2.4.4.10: section_length ≤ 1021).
    struct SectionAssembler: Sendable {
        var bytes: [UInt8] = []
    }

    static let maxSectionBytes = 1024

    /// The CRC-32 of §Annex A (polynomial 0x04C11DB7, initial value all ones, no reflection, no
    /// final XOR): over a whole section including its CRC field it is zero.
    static func sectionCRCValid(_ section: ArraySlice<UInt8>) -> Bool {
        OggCRC.update(0xFFFF_FFFF, section) == 0
    }

    /// Total size of the section starting at `bytes` (nil until its 3-byte header is there).
    static func sectionSize(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard bytes.count >= 3 else { return nil }
        let s = bytes.startIndex
        return 3 + (Int(bytes[s + 1] & 0x0F) << 8 | Int(bytes[s + 2]))
    }

    mutating func receiveSection(_ payload: ArraySlice<UInt8>, pid: UInt16, payloadStart: Bool) {
        var data = payload
        if payloadStart {
            guard let pointer = data.first.map(Int.init), pointer < data.count else {
                stats.badSections += 1
                sections[pid] = nil
                return
            }
            data = data.dropFirst()
            if sections[pid] != nil { appendSection(data.prefix(pointer), pid: pid) }
            sections[pid] = nil
            data = data.dropFirst(pointer)
            // One or more sections start here; 0xFF is stuffing up to the end of the packet.
            while let first = data.first, first != 0xFF {
                guard let size = Self.sectionSize(data), size <= data.count else {
                    sections[pid] = SectionAssembler()
                    appendSection(data, pid: pid)
                    return
                }
                handleSection(data.prefix(size), pid: pid)
                data = data.dropFirst(size)
            }
        } else if sections[pid] != nil {
            appendSection(data, pid: pid)
        }
    }

    /// Adds bytes to the open section of `pid`; handles it once whole.
    mutating func appendSection(_ data: ArraySlice<UInt8>, pid: UInt16) {
        guard var assembler = sections[pid] else { return }
        sections[pid] = nil
        assembler.bytes += data
        guard let size = Self.sectionSize(assembler.bytes[...]), size <= Self.maxSectionBytes else {
            if assembler.bytes.count >= 3 {
                stats.badSections += 1
            } else {
                sections[pid] = assembler
            }
            return
        }
        if assembler.bytes.count >= size {
            handleSection(assembler.bytes[..<size], pid: pid)
        } else {
            sections[pid] = assembler
        }
    }

    mutating func handleSection(_ section: ArraySlice<UInt8>, pid: UInt16) {
        guard section.count >= 12, section.count <= Self.maxSectionBytes, Self.sectionCRCValid(section),
              section[section.startIndex + 1] & 0x80 != 0 else {   // section_syntax_indicator
            stats.badSections += 1
            return
        }
        let tableID = section[section.startIndex]
        let body = section.dropLast(4)   // without CRC_32
        let ok: Bool
        if pid == 0 {
            ok = tableID == 0x00 ? handlePAT(body) : true   // other tables on PID 0 are not ours
        } else {
            ok = tableID == 0x02 ? handlePMT(body) : true
        }
        if !ok { stats.badSections += 1 }
    }

    /// Header fields shared by PAT and PMT: (table_id_extension, version, current_next_indicator),
    /// and a reader at the first byte after last_section_number.
    static func longHeader(_ body: ArraySlice<UInt8>) -> (id: UInt16, version: UInt8, current: Bool, reader: ByteReader)? {
        var reader = ByteReader(body)
        guard (try? reader.skip(3)) != nil, let id = try? reader.readUInt16(), let flags = try? reader.readUInt8(),
              (try? reader.skip(2)) != nil else { return nil }
        return (id, (flags >> 1) & 0x1F, flags & 1 == 1, reader)
    }

    /// Follows the first program (program_number ≠ 0) of the PAT; false when malformed or over the cap.
    mutating func handlePAT(_ body: ArraySlice<UInt8>) -> Bool {
        guard let header = Self.longHeader(body), header.reader.remaining % 4 == 0 else { return false }
        guard header.current else { return true }
        let version = header.version
        var reader = header.reader
        guard reader.remaining / 4 <= limits.maxPrograms else { return false }
        var program: UInt16?
        while !reader.isAtEnd {
            guard let number = try? reader.readUInt16(), let pid = try? reader.readUInt16() else { return false }
            if number != 0, program == nil { program = pid & 0x1FFF }
        }
        if patVersion == version, program == pmtPID { return true }
        patVersion = version
        if program != pmtPID {
            if let old = pmtPID {
                sections[old] = nil
                continuity[old] = nil
            }
            pmtPID = program
            pmtVersion = nil
        }
        return true
    }

    /// Takes the program's streams; false when malformed or over the cap.
    mutating func handlePMT(_ body: ArraySlice<UInt8>) -> Bool {
        guard let header = Self.longHeader(body) else { return false }
        guard header.current else { return true }
        let version = header.version
        var reader = header.reader
        guard (try? reader.readUInt16()) != nil, let infoLength = try? reader.readUInt16(),
              (try? reader.skip(Int(infoLength & 0x0FFF))) != nil else { return false }
        var announced: [Stream] = []
        while !reader.isAtEnd {
            guard let streamType = try? reader.readUInt8(), let pid = try? reader.readUInt16(),
                  let length = try? reader.readUInt16(),
                  let descriptors = try? reader.readBytes(Int(length & 0x0FFF)) else { return false }
            guard announced.count < limits.maxStreams else { return false }
            announced.append(Self.stream(pid: pid & 0x1FFF, streamType: streamType, descriptors: descriptors))
        }
        pmtVersion = version
        let same = announced.map { [$0.pid: $0.streamType] } == streams.map { [$0.pid: $0.streamType] }
        guard !same else { return true }
        // Keep what was learnt of a stream that stays; drop the state of streams that left.
        let previous = Dictionary(streams.map { ($0.pid, $0) }, uniquingKeysWith: { first, _ in first })
        streams = announced.map { stream in
            if let known = previous[stream.pid], known.streamType == stream.streamType, known.format == stream.format { return known }
            return stream
        }
        let followed = Set(streams.filter { $0.format != nil }.map(\.pid))
        for pid in elementary.keys where !followed.contains(pid) {
            elementary[pid] = nil
            continuity[pid] = nil
        }
        for pid in followed where elementary[pid] == nil { elementary[pid] = ElementaryState() }
        events.append(.program(streams))
        for stream in streams where stream.isReady && previous[stream.pid] == nil { events.append(.streamReady(stream)) }
        return true
    }

    /// A PMT entry: its format from stream_type (and, for private data 0x06, a registration
    /// descriptor 'Opus' with the channel count of its extension descriptor 0x80).
    static func stream(pid: UInt16, streamType: UInt8, descriptors: ArraySlice<UInt8>) -> Stream {
        var format: CodecDescriptor.Format?
        var channels: Int?
        switch streamType {
        case 0x1B: format = .h264
        case 0x24: format = .h265
        case 0x0F: format = .aac
        case 0x06:
            var reader = ByteReader(descriptors)
            var registration: ArraySlice<UInt8>?
            var opusChannels: Int?
            while let tag = try? reader.readUInt8(), let length = try? reader.readUInt8(),
                  let body = try? reader.readBytes(Int(length)) {
                if tag == 0x05, body.count >= 4 { registration = body.prefix(4) }
                if tag == 0x7F, body.count >= 2, body[body.startIndex] == 0x80 {
                    let code = Int(body[body.startIndex + 1])
                    opusChannels = (1...8).contains(code) ? code : 2
                }
            }
            if registration.map({ Array($0) }) == Array("Opus".utf8) {
                format = .opus
                channels = opusChannels ?? 2
            }
        default: break
        }
        let codec = format.flatMap(CodecRegistry.descriptor(for:))
        // Video and Opus have their clock at once; AAC's comes with its first ADTS header.
        let clockRate = format == .aac ? nil : codec?.clockRate
        let fmtp = codec?.defaultFmtp ?? [:]
        return Stream(pid: pid, streamType: streamType, format: format, clockRate: clockRate, channels: channels,
                      fmtp: fmtp, isReady: format == .opus)
    }
}
