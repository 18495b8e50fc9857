import Codecs
import RTCBase

/// PES reassembly (ISO/IEC 13818-1 §2.4.3.6) and the elementary streams' framing: Annex-B video,
/// ADTS AAC (ISO/IEC 14496-3 §1.A.2.2), Opus control headers (ETSI TS 102 366 Annex A framing as
/// the Opus-in-TS specification uses it: 11 bits 0x3FF, trim flags, au_size in 0xFF steps).
extension MPEGTSDemuxer {
    /// Per followed elementary stream: the PES being reassembled and the stream's running time.
    struct ElementaryState: Sendable {
        var buffer: [UInt8] = []
        /// A PES packet began (payload_unit_start_indicator) and has not been finished.
        var open = false
        /// A continuity gap hit the open PES.
        var damaged = false
        /// The open PES went over `maxPESBytes`; its bytes are discarded until the next one.
        var oversized = false
        /// Last PTS, unwrapped (90 kHz).
        var lastPTS: Int64?
        /// Video: the last unit's timestamp; audio: the timestamp after the last frame.
        var nextTimestamp: UInt32?
        /// Latest parameter set per NAL unit type (H.264 SPS/PPS, H.265 VPS/SPS/PPS).
        var parameterSets: [UInt8: [UInt8]] = [:]
    }

    /// Largest Opus packet accepted in a control header (RFC 6716 §3.4 allows 1275 bytes per frame, 48 frames).
    static let maxOpusPacketBytes = 61_440

    /// Parameter sets larger than this are not kept for re-insertion.
    static let maxParameterSetBytes = 1024

    mutating func receivePES(_ payload: ArraySlice<UInt8>, pid: UInt16, payloadStart: Bool) {
        if payloadStart {
            finishPES(pid: pid)
            elementary[pid]?.open = true
        }
        guard var state = elementary[pid], state.open, !state.oversized, !state.damaged else { return }
        elementary[pid] = nil   // edit in place without a copy of the buffer
        if payload.count > limits.maxPESBytes - state.buffer.count {
            state.oversized = true
            state.buffer = []
            elementary[pid] = state
            return
        }
        state.buffer += payload
        elementary[pid] = state
        // A PES with a PES_packet_length is complete as soon as it is all here (audio: no wait
        // for the next packet's start).
        if state.buffer.count >= 6 {
            let length = Int(state.buffer[4]) << 8 | Int(state.buffer[5])
            if length > 0, state.buffer.count >= 6 + length { finishPES(pid: pid) }
        }
    }

    /// Ends the open PES of `pid`: hands out its units, or drops and counts it.
    mutating func finishPES(pid: UInt16) {
        guard var state = elementary[pid] else { return }
        elementary[pid] = nil
        let buffer = state.buffer
        let wasOpen = state.open, damaged = state.damaged, oversized = state.oversized
        state.buffer = []
        state.open = false
        state.damaged = false
        state.oversized = false
        defer { elementary[pid] = state }
        guard wasOpen else { return }
        if damaged {
            stats.damagedUnits += 1
            return
        }
        guard !oversized, let (pts, payload) = Self.parsePES(buffer[...]),
              let index = streams.firstIndex(where: { $0.pid == pid }), let format = streams[index].format else {
            stats.malformedUnits += 1
            return
        }
        var time: Int64?
        if let pts {
            let unwrapped = Self.unwrap(pts, last: state.lastPTS)
            state.lastPTS = unwrapped
            time = unwrapped
        }
        let ok: Bool
        switch format {
        case .h264, .h265:
            ok = videoUnit(payload, format: format, stream: index, time: time, state: &state)
        case .aac:
            ok = aacFrames(payload, stream: index, time: time, state: &state)
        case .opus:
            ok = opusPackets(payload, stream: index, time: time, state: &state)
        default:
            ok = false
        }
        if !ok { stats.malformedUnits += 1 }
    }

    /// The PTS (33 bits, nil when absent) and the payload of a whole PES packet; nil when malformed.
    static func parsePES(_ bytes: ArraySlice<UInt8>) -> (pts: UInt64?, payload: ArraySlice<UInt8>)? {
        var reader = ByteReader(bytes)
        guard let prefix = try? reader.readUInt24(), prefix == 1, let streamID = try? reader.readUInt8(),
              let length = try? reader.readUInt16() else { return nil }
        var end = bytes.endIndex
        if length > 0 {
            guard reader.remaining >= Int(length) else { return nil }   // shorter than announced
            end = reader.rest.startIndex + Int(length)
        }
        // Stream ids without the optional header (§2.4.3.7 Table 2-21).
        let noHeader: Set<UInt8> = [0xBC, 0xBE, 0xBF, 0xF0, 0xF1, 0xF2, 0xF8, 0xFF]
        if noHeader.contains(streamID) { return (nil, bytes[reader.rest.startIndex..<end]) }
        guard let marker = try? reader.readUInt8(), marker & 0xC0 == 0x80, let flags = try? reader.readUInt8(),
              let headerLength = try? reader.readUInt8(), let header = try? reader.readBytes(Int(headerLength)),
              reader.rest.startIndex <= end else { return nil }
        var pts: UInt64?
        if flags & 0x80 != 0 {
            guard header.count >= 5 else { return nil }
            let h = header.startIndex
            pts = UInt64(header[h] >> 1 & 0x07) << 30 | UInt64(header[h + 1]) << 22 | UInt64(header[h + 2] >> 1) << 15
                | UInt64(header[h + 3]) << 7 | UInt64(header[h + 4] >> 1)
        }
        return (pts, bytes[reader.rest.startIndex..<end])
    }

    // MARK: - Video

    /// The NAL unit type and the parameter-set types, in decoding order, of an Annex-B codec.
    static func nalType(_ header: UInt8, format: CodecDescriptor.Format) -> UInt8 {
        format == .h265 ? H265.nalType(header) : H264.nalType(header)
    }

    static func parameterSetTypes(_ format: CodecDescriptor.Format) -> [UInt8] {
        format == .h265 ? [H265.vps, H265.sps, H265.pps] : [H264.NALType.sps, H264.NALType.pps]
    }

    static func isKeyframe(_ type: UInt8, format: CodecDescriptor.Format) -> Bool {
        format == .h265 ? H265.isIRAP(type) : type == H264.NALType.idrSlice
    }

    /// NAL units of an Annex-B payload (start codes and trailing zeros removed); nil when there
    /// is no start code, a forbidden_zero_bit is set or there are more than `maxUnits`.
    static func nalUnits(_ payload: ArraySlice<UInt8>, maxUnits: Int) -> [[UInt8]]? {
        let bytes = Array(payload)
        guard var start = AnnexBReader.findStartCode(in: bytes, from: 0).map({ $0 + 3 }) else { return nil }
        var units: [[UInt8]] = []
        while start < bytes.count {
            let next = AnnexBReader.findStartCode(in: bytes, from: start)
            var end = next ?? bytes.count
            while end > start && bytes[end - 1] == 0 { end -= 1 }
            if end > start {
                guard bytes[start] & 0x80 == 0, units.count < maxUnits else { return nil }
                units.append(Array(bytes[start..<end]))
            }
            guard let next else { break }
            start = next + 3
        }
        return units.isEmpty ? nil : units
    }

    mutating func videoUnit(_ payload: ArraySlice<UInt8>, format: CodecDescriptor.Format, stream index: Int, time: Int64?,
                            state: inout ElementaryState) -> Bool {
        guard var nals = Self.nalUnits(payload, maxUnits: limits.maxUnitsPerPES) else { return false }
        let setTypes = Self.parameterSetTypes(format)
        var present: Set<UInt8> = []
        var keyframe = false
        for nal in nals {
            let type = Self.nalType(nal[0], format: format)
            keyframe = keyframe || Self.isKeyframe(type, format: format)
            if setTypes.contains(type) {
                present.insert(type)
                if nal.count <= Self.maxParameterSetBytes { state.parameterSets[type] = nal }
            }
        }
        // A keyframe without its parameter sets in-band gets the stream's latest ones.
        if keyframe, present.count < setTypes.count, setTypes.allSatisfy({ state.parameterSets[$0] != nil }) {
            let missing = setTypes.filter { !present.contains($0) }.compactMap { state.parameterSets[$0] }
            guard nals.count + missing.count <= limits.maxUnitsPerPES else { return false }
            let delimiterFirst = format == .h265 ? H265.accessUnitDelimiter : H264.NALType.accessUnitDelimiter
            let at = Self.nalType(nals[0][0], format: format) == delimiterFirst ? 1 : 0
            nals.insert(contentsOf: missing, at: at)
            present = Set(setTypes)
        }
        let timestamp = time.map { Self.rtpTimestamp($0, clockRate: 90_000) } ?? state.nextTimestamp ?? 0
        state.nextTimestamp = timestamp
        if keyframe, present.count == setTypes.count, !streams[index].isReady, let codec = streams[index].codec {
            let sets = codec.parameterSets(inPayloads: nals.lazy.map { $0[...] })
            streams[index].fmtp = codec.receiverFmtp(streams[index].fmtp, parameterSets: sets)
            streams[index].isReady = true
            events.append(.streamReady(streams[index]))
        }
        emit(Unit(pid: streams[index].pid, payloads: nals, rtpTimestamp: timestamp, pts: time, isKeyframe: keyframe))
        return true
    }

    mutating func emit(_ unit: Unit) {
        stats.units += 1
        events.append(.unit(unit))
    }

    // MARK: - Audio

    /// Raw AAC frames of an ADTS payload, 1024 samples apart. The first header (and any change)
    /// gives the stream its clock rate, channels and `config=`.
    mutating func aacFrames(_ payload: ArraySlice<UInt8>, stream index: Int, time: Int64?, state: inout ElementaryState) -> Bool {
        var offset = payload.startIndex
        var frames: [(header: AAC.ADTSHeader, frame: [UInt8])] = []
        var ok = true
        while offset < payload.endIndex {
            guard frames.count < limits.maxUnitsPerPES, let header = try? AAC.ADTSHeader(parsing: payload[offset...]),
                  header.frameLength <= payload.endIndex - offset else {
                ok = false
                break
            }
            frames.append((header, Array(payload[(offset + header.headerLength)..<(offset + header.frameLength)])))
            offset += header.frameLength
        }
        guard let first = frames.first?.header else { return false }
        let sampleRate = AAC.samplingFrequencies[first.samplingFrequencyIndex]
        let config = first.audioSpecificConfig.hexString
        if streams[index].fmtp["config"] != config || streams[index].clockRate != sampleRate {
            var fmtp = streams[index].codec?.defaultFmtp ?? [:]
            fmtp["streamtype"] = "5"
            fmtp["profile-level-id"] = "1"
            fmtp["config"] = config
            streams[index].fmtp = fmtp
            streams[index].clockRate = sampleRate
            streams[index].channels = first.channelConfiguration == 0 ? 2 : first.channelConfiguration
            streams[index].isReady = true
            events.append(.streamReady(streams[index]))
        }
        var timestamp = time.map { Self.rtpTimestamp($0, clockRate: sampleRate) } ?? state.nextTimestamp ?? 0
        for (_, frame) in frames {
            emit(Unit(pid: streams[index].pid, payloads: [frame], rtpTimestamp: timestamp, pts: time, isKeyframe: true))
            timestamp &+= UInt32(AAC.samplesPerFrame)
        }
        state.nextTimestamp = timestamp
        return ok
    }

    /// Opus packets of a payload, each after its control header; timestamps advance by each
    /// packet's duration (48 kHz).
    mutating func opusPackets(_ payload: ArraySlice<UInt8>, stream index: Int, time: Int64?, state: inout ElementaryState) -> Bool {
        var reader = ByteReader(payload)
        var timestamp = time.map { Self.rtpTimestamp($0, clockRate: Opus.clockRate) } ?? state.nextTimestamp ?? 0
        var count = 0
        var ok = true
        while !reader.isAtEnd {
            guard count < limits.maxUnitsPerPES, let packet = Self.opusControlFramed(&reader),
                  let samples = try? Opus.sampleCount(packet) else {
                ok = false
                break
            }
            emit(Unit(pid: streams[index].pid, payloads: [Array(packet)], rtpTimestamp: timestamp, pts: time, isKeyframe: true))
            timestamp &+= UInt32(samples)
            count += 1
        }
        state.nextTimestamp = timestamp
        return ok && count > 0
    }

    /// One Opus packet after its control header (prefix 0x7FE0 in 11 bits, start/end trim and
    /// control extension flags, au_size as 0xFF bytes plus a last byte); nil when malformed.
    static func opusControlFramed(_ reader: inout ByteReader) -> ArraySlice<UInt8>? {
        guard let prefix = try? reader.readUInt16(), prefix & 0xFFE0 == 0x7FE0 else { return nil }
        var size = 0
        while true {
            guard let byte = try? reader.readUInt8() else { return nil }
            size += Int(byte)
            if byte != 0xFF { break }
            guard size <= maxOpusPacketBytes else { return nil }
        }
        let trims = (prefix & 0x10 != 0 ? 2 : 0) + (prefix & 0x08 != 0 ? 2 : 0)
        guard (try? reader.skip(trims)) != nil else { return nil }
        if prefix & 0x04 != 0 {
            guard let length = try? reader.readUInt8(), (try? reader.skip(Int(length))) != nil else { return nil }
        }
        guard size > 0, let packet = try? reader.readBytes(size) else { return nil }
        return packet
    }
}
