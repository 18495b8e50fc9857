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
    public let limits: DepacketizerLimits
    public private(set) var droppedPackets = 0
    public private(set) var droppedAccessUnits = 0
    /// Latest video parameter set seen (or seeded), NAL header included.
    public private(set) var vps: [UInt8]?
    /// Latest sequence parameter set seen (or seeded), NAL header included.
    public private(set) var sps: [UInt8]?
    /// Latest picture parameter set seen (or seeded), NAL header included.
    public private(set) var pps: [UInt8]?

    private var nalUnits: [[UInt8]] = []
    private var unitBytes = 0
    private var unitPackets = 0
    private var unitTimestamp: UInt32 = 0
    private var unitOpen = false
    private var unitBroken = false
    private var unitHasIRAP = false
    private var unitParameterSets: UInt8 = 0  // bit 0 VPS, bit 1 SPS, bit 2 PPS
    private var fragment: [UInt8] = []
    private var fragmentOpen = false
    private var lastSequenceNumber: UInt16?
    private var awaitingKeyframe = false

    /// - Parameter parameterSets: VPS/SPS/PPS NAL units to start with, e.g. from
    ///   `H265.parameterSets(fromFmtp:)`; other NAL types are ignored.
    public init(parameterSets: [[UInt8]] = [], limits: DepacketizerLimits = DepacketizerLimits()) {
        self.limits = limits
        for nal in parameterSets { cacheParameterSet(nal[...]) }
    }

    /// Seeds parameter sets from the SDP fmtp `sprop-vps`/`sprop-sps`/`sprop-pps` (RFC 7798 §7.1).
    public init(fmtp: [String: String], limits: DepacketizerLimits = DepacketizerLimits()) {
        self.init(parameterSets: H265.parameterSets(fromFmtp: fmtp), limits: limits)
    }

    /// The cached parameter sets: VPS, SPS, PPS (those known).
    public var parameterSets: [[UInt8]] { [vps, sps, pps].compactMap { $0 } }

    public mutating func push(payload: ArraySlice<UInt8>, sequenceNumber: UInt16, rtpTimestamp: UInt32,
                              marker: Bool) -> [AccessUnit] {
        var output: [AccessUnit] = []
        var gap = false
        if let last = lastSequenceNumber {
            let delta = sequenceNumber &- last
            if delta == 0 || delta >= 0x8000 {  // duplicate or late: the unit it belonged to is gone
                droppedPackets += 1
                return output
            }
            gap = delta != 1
        }
        lastSequenceNumber = sequenceNumber

        if gap {
            if unitOpen { unitBroken = true }
            awaitingKeyframe = true
        }
        if unitOpen && rtpTimestamp != unitTimestamp { finishUnit(into: &output) }
        if !unitOpen {
            unitOpen = true
            unitTimestamp = rtpTimestamp
            if gap && !Self.beginsAccessUnit(payload) { unitBroken = true }
        }
        unitPackets += 1
        if !unitBroken { parse(payload) }
        if marker { finishUnit(into: &output) }
        return output
    }

    /// Delivers the access unit in progress, if any (e.g. at end of stream).
    public mutating func flush() -> [AccessUnit] {
        var output: [AccessUnit] = []
        if unitOpen { finishUnit(into: &output) }
        return output
    }

    // MARK: - Parsing

    private mutating func parse(_ payload: ArraySlice<UInt8>) {
        guard payload.count >= 2, let first = payload.first, first & 0x80 == 0 else { unitBroken = true; return }
        switch H265.nalType(first) {
        case 0...47:
            appendNAL(payload)
        case H265.aggregationPacket:
            parseAggregationPacket(payload.dropFirst(2))
        case H265.fragmentationUnit:
            parseFragmentationUnit(payloadHeader: payload.prefix(2), payload.dropFirst(2))
        default:  // PACI and reserved types
            unitBroken = true
        }
    }

    /// §4.4.2 Figure 8 without DONL/DOND: (16-bit NALU size, NAL unit) repeated, at least two.
    private mutating func parseAggregationPacket(_ body: ArraySlice<UInt8>) {
        var index = body.startIndex
        var count = 0
        while index < body.endIndex && !unitBroken {
            guard body.endIndex - index >= 2 else { unitBroken = true; return }
            let size = Int(body[index]) << 8 | Int(body[index + 1])
            index += 2
            guard size >= 2, size <= body.endIndex - index else { unitBroken = true; return }
            appendNAL(body[index..<(index + size)])
            index += size
            count += 1
        }
        if count < 2 { unitBroken = true }
    }

    /// §4.4.3 Figure 9: payload header (type 49), FU header (S, E, FuType), FU payload.
    private mutating func parseFragmentationUnit(payloadHeader: ArraySlice<UInt8>, _ body: ArraySlice<UInt8>) {
        guard let header = body.first, body.count >= 2, let first = payloadHeader.first,
              let second = payloadHeader.last else { unitBroken = true; return }
        let isStart = header & 0x80 != 0
        let isEnd = header & 0x40 != 0
        let type = header & 0x3f
        let data = body.dropFirst()
        guard !(isStart && isEnd), type != H265.aggregationPacket, type != H265.fragmentationUnit else {
            unitBroken = true
            return
        }
        if isStart {
            guard !fragmentOpen else { unitBroken = true; return }
            fragment.removeAll(keepingCapacity: true)
            fragment.append(first & 0x81 | type << 1)
            fragment.append(second)
            fragmentOpen = true
        } else {
            guard fragmentOpen, let nalHeader = fragment.first, H265.nalType(nalHeader) == type else {
                unitBroken = true
                return
            }
        }
        guard data.count <= limits.maxAccessUnitBytes - unitBytes - fragment.count else {
            unitBroken = true
            return
        }
        fragment.append(contentsOf: data)
        if isEnd {
            fragmentOpen = false
            appendNAL(fragment[...])
        }
    }

    private mutating func appendNAL(_ nal: ArraySlice<UInt8>) {
        guard let header = nal.first, nal.count >= 2, header & 0x80 == 0,
              nalUnits.count < limits.maxNALUnitsPerAccessUnit,
              nal.count <= limits.maxAccessUnitBytes - unitBytes else {
            unitBroken = true
            return
        }
        let type = H265.nalType(header)
        if H265.isIRAP(type) { unitHasIRAP = true }
        if H265.isParameterSet(type) {
            unitParameterSets |= 1 << (type - H265.vps)
            cacheParameterSet(nal)
        }
        nalUnits.append(Array(nal))
        unitBytes += nal.count
    }

    private mutating func cacheParameterSet(_ nal: ArraySlice<UInt8>) {
        guard let header = nal.first, nal.count >= 3, nal.count <= limits.maxParameterSetBytes else { return }
        switch H265.nalType(header) {
        case H265.vps: vps = Array(nal)
        case H265.sps: sps = Array(nal)
        case H265.pps: pps = Array(nal)
        default: break
        }
    }

    // MARK: - Completing units

    private mutating func finishUnit(into output: inout [AccessUnit]) {
        if fragmentOpen { unitBroken = true }
        defer { resetUnit() }
        if unitBroken || nalUnits.isEmpty || (awaitingKeyframe && !unitHasIRAP) {
            droppedPackets += unitPackets
            droppedAccessUnits += 1
            if unitBroken { awaitingKeyframe = true }
            return
        }
        if unitHasIRAP {
            awaitingKeyframe = false
            insertMissingParameterSets()
        }
        output.append(AccessUnit(payloads: nalUnits, rtpTimestamp: unitTimestamp, isKeyframe: unitHasIRAP))
    }

    /// Inserts cached VPS, SPS, PPS (in that order, each only if absent) before the first NAL
    /// unit that may follow them: after a leading access unit delimiter.
    private mutating func insertMissingParameterSets() {
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

    private mutating func resetUnit() {
        nalUnits = []
        unitBytes = 0
        unitPackets = 0
        unitOpen = false
        unitBroken = false
        unitHasIRAP = false
        unitParameterSets = 0
        fragmentOpen = false
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
