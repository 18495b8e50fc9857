/// Reassembles H.265 access units from RTP payloads (RFC 7798, without DONL: `sprop-max-don-diff`
/// absent or 0): single NAL unit packets (§4.4.1), aggregation packets (§4.4.2) and
/// fragmentation units (§4.4.3). PACI packets (§4.4.4) break the access unit they are in.
///
/// An access unit is the run of packets sharing one RTP timestamp; it completes at the marker bit
/// (§4.1) or, when the marker was not sent, at the next timestamp change.
/// A sequence-number gap, a malformed packet or a limit overrun drops the access unit it hits
/// (counted in `droppedPackets`/`droppedAccessUnits`); delivery then resumes at the next access
/// unit holding an IRAP picture (types 16...21). IRAP access units without VPS/SPS/PPS get the
/// latest ones prepended (after an access unit delimiter, if any).
public struct H265Depacketizer: RTPDepacketizer, Sendable {
    private var assembler: FrameAssembler<NALAssembly>

    /// - Parameter parameterSets: VPS/SPS/PPS NAL units to start with, e.g. from
    ///   `H265.parameterSets(fromFmtp:)`; other NAL types are ignored.
    public init(parameterSets: [[UInt8]] = [], limits: DepacketizerLimits = DepacketizerLimits()) {
        var format = NALAssembly(limits: limits)
        for nal in parameterSets { format.cacheParameterSet(nal[...]) }
        assembler = FrameAssembler(format: format)
    }

    /// Seeds parameter sets from the SDP fmtp `sprop-vps`/`sprop-sps`/`sprop-pps` (RFC 7798 §7.1).
    public init(fmtp: [String: String], limits: DepacketizerLimits = DepacketizerLimits()) {
        self.init(parameterSets: H265.parameterSets(fromFmtp: fmtp), limits: limits)
    }

    public var limits: DepacketizerLimits { assembler.limits }
    public var droppedPackets: Int { assembler.droppedPackets }
    public var droppedAccessUnits: Int { assembler.droppedAccessUnits }
    public var isAwaitingKeyframe: Bool { assembler.isAwaitingKeyframe }
    /// Latest video parameter set seen (or seeded), NAL header included.
    public var vps: [UInt8]? { assembler.format.vps }
    /// Latest sequence parameter set seen (or seeded), NAL header included.
    public var sps: [UInt8]? { assembler.format.sps }
    /// Latest picture parameter set seen (or seeded), NAL header included.
    public var pps: [UInt8]? { assembler.format.pps }

    /// The cached parameter sets: VPS, SPS, PPS (those known).
    public var parameterSets: [[UInt8]] { [vps, sps, pps].compactMap { $0 } }

    public mutating func push(payload: ArraySlice<UInt8>, sequenceNumber: UInt16, rtpTimestamp: UInt32,
                              marker: Bool) -> [AccessUnit] {
        assembler.push(payload: payload, sequenceNumber: sequenceNumber, rtpTimestamp: rtpTimestamp, marker: marker)
    }

    /// Delivers the access unit in progress, if any (e.g. at end of stream).
    public mutating func flush() -> [AccessUnit] {
        assembler.flush()
    }

    /// True when `payload` provably starts an access unit: a leading non-VCL NAL unit that may
    /// only precede the first slice (VPS, SPS, PPS, AUD, prefix SEI, ITU-T H.265 §7.4.2.4.4) or
    /// the first slice segment of a picture.
    static func beginsAccessUnit(_ payload: ArraySlice<UInt8>) -> Bool {
        guard payload.count >= 3 else { return false }
        let s = payload.startIndex
        let type = H265.nalType(payload[s])
        switch type {
        case H265.aggregationPacket:
            guard payload.count >= 7 else { return false }
            let size = Int(payload[s + 2]) << 8 | Int(payload[s + 3])
            guard size >= 2, size <= payload.count - 4 else { return false }
            return beginsAccessUnit(payload[(s + 4)..<(s + 4 + size)])
        case H265.fragmentationUnit:
            guard payload.count >= 4 else { return false }
            let header = payload[s + 2]
            guard header & 0x80 != 0 else { return false }
            return beginsAccessUnit(type: header & 0x3f, firstPayloadByte: payload[s + 3])
        default:
            return beginsAccessUnit(type: type, firstPayloadByte: payload[s + 2])
        }
    }

    private static func beginsAccessUnit(type: UInt8, firstPayloadByte: UInt8) -> Bool {
        if H265.isVCL(type) { return firstPayloadByte & 0x80 != 0 }
        return (32...35).contains(type) || type == H265.prefixSEI || (41...44).contains(type)
    }
}

extension H265Depacketizer {
    /// The H.265 half of the assembly: single NAL unit packets, aggregation packets,
    /// fragmentation units; IRAP detection and the VPS/SPS/PPS cache.
    struct NALAssembly: FrameAssemblyFormat {
        let limits: DepacketizerLimits
        private(set) var vps: [UInt8]?
        private(set) var sps: [UInt8]?
        private(set) var pps: [UInt8]?
        private var unitHasIRAP = false
        private var unitParameterSets: UInt8 = 0  // bit 0 VPS, bit 1 SPS, bit 2 PPS

        init(limits: DepacketizerLimits) {
            self.limits = limits
        }

        var unitIsKeyframe: Bool { unitHasIRAP }

        func begin(_ unit: inout PartialAccessUnit, with payload: ArraySlice<UInt8>, afterGap: Bool) {
            if afterGap && !H265Depacketizer.beginsAccessUnit(payload) { unit.isBroken = true }
        }

        mutating func append(_ payload: ArraySlice<UInt8>, to unit: inout PartialAccessUnit) {
            guard payload.count >= 2, let first = payload.first, first & 0x80 == 0 else { unit.isBroken = true; return }
            switch H265.nalType(first) {
            case 0...47:
                appendNAL(payload, to: &unit)
            case H265.aggregationPacket:
                appendAggregationPacket(payload.dropFirst(2), to: &unit)
            case H265.fragmentationUnit:
                appendFragmentationUnit(payloadHeader: payload.prefix(2), payload.dropFirst(2), to: &unit)
            default:  // PACI and reserved types
                unit.isBroken = true
            }
        }

        /// §4.4.2 Figure 8 without DONL/DOND: (16-bit NALU size, NAL unit) repeated, at least two.
        private mutating func appendAggregationPacket(_ body: ArraySlice<UInt8>, to unit: inout PartialAccessUnit) {
            var index = body.startIndex
            var count = 0
            while index < body.endIndex && !unit.isBroken {
                guard body.endIndex - index >= 2 else { unit.isBroken = true; return }
                let size = Int(body[index]) << 8 | Int(body[index + 1])
                index += 2
                guard size >= 2, size <= body.endIndex - index else { unit.isBroken = true; return }
                appendNAL(body[index..<(index + size)], to: &unit)
                index += size
                count += 1
            }
            if count < 2 { unit.isBroken = true }
        }

        /// §4.4.3 Figure 9: payload header (type 49), FU header (S, E, FuType), FU payload.
        private mutating func appendFragmentationUnit(payloadHeader: ArraySlice<UInt8>, _ body: ArraySlice<UInt8>,
                                                      to unit: inout PartialAccessUnit) {
            guard let header = body.first, body.count >= 2, let first = payloadHeader.first,
                  let second = payloadHeader.last else { unit.isBroken = true; return }
            let type = header & 0x3f
            guard type != H265.aggregationPacket, type != H265.fragmentationUnit else {
                unit.isBroken = true
                return
            }
            let completed = unit.appendFragmentationUnit(
                body.dropFirst(), isStart: header & 0x80 != 0, isEnd: header & 0x40 != 0,
                headerByte: first & 0x81 | type << 1, secondHeaderByte: second, typeMask: 0x7e, limits: limits)
            if completed { appendNAL(unit.fragment[...], to: &unit) }
        }

        private mutating func appendNAL(_ nal: ArraySlice<UInt8>, to unit: inout PartialAccessUnit) {
            guard let header = nal.first, nal.count >= 2, header & 0x80 == 0,
                  unit.canAppend(count: nal.count, limits: limits) else {
                unit.isBroken = true
                return
            }
            let type = H265.nalType(header)
            if H265.isIRAP(type) { unitHasIRAP = true }
            if H265.isParameterSet(type) {
                unitParameterSets |= 1 << (type - H265.vps)
                cacheParameterSet(nal)
            }
            unit.append(Array(nal))
        }

        mutating func cacheParameterSet(_ nal: ArraySlice<UInt8>) {
            guard let header = nal.first, nal.count >= 3, nal.count <= limits.maxParameterSetBytes else { return }
            switch H265.nalType(header) {
            case H265.vps: vps = Array(nal)
            case H265.sps: sps = Array(nal)
            case H265.pps: pps = Array(nal)
            default: break
            }
        }

        func end(_ unit: inout PartialAccessUnit) {
            if unit.fragmentOpen { unit.isBroken = true }
        }

        /// IRAP access units get the cached VPS, SPS, PPS (in that order, each only if absent)
        /// before the first NAL unit that may follow them: after a leading access unit delimiter.
        func finalize(_ nalUnits: inout [[UInt8]], isKeyframe: Bool) {
            guard isKeyframe else { return }
            var insertAt = 0
            if let first = nalUnits.first?.first, H265.nalType(first) == H265.accessUnitDelimiter { insertAt = 1 }
            let cached = [vps, sps, pps]
            for (bit, set) in cached.enumerated() {
                let type = H265.vps + UInt8(bit)
                if unitParameterSets & (1 << UInt8(bit)) != 0 {
                    // Present: later missing sets go after it.
                    if let index = nalUnits.firstIndex(where: { H265.nalType($0.first ?? 0) == type }) {
                        insertAt = max(insertAt, index + 1)
                    }
                } else if let set {
                    nalUnits.insert(set, at: insertAt)
                    insertAt += 1
                }
            }
        }

        mutating func reset() {
            unitHasIRAP = false
            unitParameterSets = 0
        }
    }
}
