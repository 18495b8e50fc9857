/// Reassembles H.264 access units from RTP payloads (RFC 6184, packetization modes 0 and 1):
/// single NAL unit packets (§5.6), STAP-A (§5.7.1) and FU-A (§5.8).
///
/// An access unit is the run of packets sharing one RTP timestamp; it completes at the marker bit
/// (§5.1) or, when the marker was not sent, at the next timestamp change. Encoders that emit
/// several slices per frame (x264 zerolatency) are handled naturally.
/// A sequence-number gap, a malformed packet or a limit overrun drops the access unit it hits
/// (counted in `droppedPackets`/`droppedAccessUnits`); delivery then resumes at the next access
/// unit holding an IDR slice. IDR access units without SPS/PPS get the latest ones prepended.
public struct H264Depacketizer: RTPDepacketizer, Sendable {
    public let limits: DepacketizerLimits
    public private(set) var droppedPackets = 0
    public private(set) var droppedAccessUnits = 0
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
    private var unitHasIDR = false
    private var unitHasSPS = false
    private var unitHasPPS = false
    private var fragment: [UInt8] = []
    private var fragmentOpen = false
    private var lastSequenceNumber: UInt16?
    private var awaitingKeyframe = false

    /// - Parameter parameterSets: SPS/PPS NAL units to start with, e.g. from
    ///   `H264.parseSpropParameterSets`; other NAL types are ignored.
    public init(parameterSets: [[UInt8]] = [], limits: DepacketizerLimits = DepacketizerLimits()) {
        self.limits = limits
        for nal in parameterSets { cacheParameterSet(nal[...]) }
    }

    /// Seeds parameter sets from the SDP fmtp `sprop-parameter-sets` (RFC 6184 §8.1), if present.
    public init(fmtp: [String: String], limits: DepacketizerLimits = DepacketizerLimits()) {
        let sprop = fmtp.first { $0.key.lowercased() == "sprop-parameter-sets" }?.value
        self.init(parameterSets: sprop.map(H264.parseSpropParameterSets) ?? [], limits: limits)
    }

    /// The cached parameter sets, SPS first.
    public var parameterSets: [[UInt8]] { [sps, pps].compactMap { $0 } }

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
            if unitOpen { unitBroken = true }  // the lost packets may have been part of it
            awaitingKeyframe = true
        }
        if unitOpen && rtpTimestamp != unitTimestamp { finishUnit(into: &output) }
        if !unitOpen {
            unitOpen = true
            unitTimestamp = rtpTimestamp
            // After a gap, a unit is only whole if this packet is provably its first one.
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
        guard let first = payload.first, first & 0x80 == 0 else { unitBroken = true; return }
        switch H264.nalType(first) {
        case 1...23:
            appendNAL(payload)
        case H264.NALType.stapA:
            parseSTAPA(payload.dropFirst())
        case H264.NALType.fuA:
            parseFUA(indicator: first, payload.dropFirst())
        default:  // STAP-B, MTAP, FU-B (interleaved mode) and reserved types are not supported
            unitBroken = true
        }
    }

    private mutating func parseSTAPA(_ body: ArraySlice<UInt8>) {
        var index = body.startIndex
        guard index < body.endIndex else { unitBroken = true; return }
        while index < body.endIndex && !unitBroken {
            guard body.endIndex - index >= 2 else { unitBroken = true; return }
            let size = Int(body[index]) << 8 | Int(body[index + 1])
            index += 2
            guard size > 0, size <= body.endIndex - index else { unitBroken = true; return }
            appendNAL(body[index..<(index + size)])
            index += size
        }
    }

    private mutating func parseFUA(indicator: UInt8, _ body: ArraySlice<UInt8>) {
        guard let header = body.first, body.count >= 2 else { unitBroken = true; return }
        let isStart = header & 0x80 != 0
        let isEnd = header & 0x40 != 0
        let data = body.dropFirst()
        guard !(isStart && isEnd) else { unitBroken = true; return }  // §5.8: not both in one FU
        if isStart {
            guard !fragmentOpen else { unitBroken = true; return }
            fragment.removeAll(keepingCapacity: true)
            fragment.append(indicator & 0xe0 | H264.nalType(header))
            fragmentOpen = true
        } else {
            guard fragmentOpen, let nalHeader = fragment.first,
                  H264.nalType(nalHeader) == H264.nalType(header) else { unitBroken = true; return }
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
        guard let header = nal.first, header & 0x80 == 0,
              nalUnits.count < limits.maxNALUnitsPerAccessUnit,
              nal.count <= limits.maxAccessUnitBytes - unitBytes else {
            unitBroken = true
            return
        }
        switch H264.nalType(header) {
        case H264.NALType.idrSlice: unitHasIDR = true
        case H264.NALType.sps: unitHasSPS = true; cacheParameterSet(nal)
        case H264.NALType.pps: unitHasPPS = true; cacheParameterSet(nal)
        default: break
        }
        nalUnits.append(Array(nal))
        unitBytes += nal.count
    }

    private mutating func cacheParameterSet(_ nal: ArraySlice<UInt8>) {
        guard let header = nal.first, nal.count >= 2, nal.count <= limits.maxParameterSetBytes else { return }
        switch H264.nalType(header) {
        case H264.NALType.sps: sps = Array(nal)
        case H264.NALType.pps: pps = Array(nal)
        default: break
        }
    }

    // MARK: - Completing units

    private mutating func finishUnit(into output: inout [AccessUnit]) {
        if fragmentOpen { unitBroken = true }
        defer { resetUnit() }
        if unitBroken || nalUnits.isEmpty || (awaitingKeyframe && !unitHasIDR) {
            droppedPackets += unitPackets
            droppedAccessUnits += 1
            if unitBroken { awaitingKeyframe = true }
            return
        }
        if unitHasIDR {
            awaitingKeyframe = false
            insertMissingParameterSets()
        }
        output.append(AccessUnit(payloads: nalUnits, rtpTimestamp: unitTimestamp, isKeyframe: unitHasIDR))
    }

    private mutating func insertMissingParameterSets() {
        if !unitHasSPS, let sps {
            let afterDelimiter = nalUnits.first.map { H264.nalType($0.first ?? 0) == H264.NALType.accessUnitDelimiter } ?? false
            nalUnits.insert(sps, at: afterDelimiter ? 1 : 0)
        }
        if !unitHasPPS, let pps {
            let spsIndex = nalUnits.firstIndex { H264.nalType($0.first ?? 0) == H264.NALType.sps }
            nalUnits.insert(pps, at: spsIndex.map { $0 + 1 } ?? 0)
        }
    }

    private mutating func resetUnit() {
        nalUnits = []
        unitBytes = 0
        unitPackets = 0
        unitOpen = false
        unitBroken = false
        unitHasIDR = false
        unitHasSPS = false
        unitHasPPS = false
        fragmentOpen = false
    }

    /// True when `payload` provably starts an access unit: a leading non-VCL NAL (AUD, SEI, SPS,
    /// PPS) or the first slice of a picture (first_mb_in_slice == 0, ITU-T H.264 §7.4.1.2.3).
    static func beginsAccessUnit(_ payload: ArraySlice<UInt8>) -> Bool {
        guard let first = payload.first else { return false }
        switch H264.nalType(first) {
        case H264.NALType.sei, H264.NALType.sps, H264.NALType.pps, H264.NALType.accessUnitDelimiter:
            return true
        case 1...5:
            return H264.firstMBInSlice(payload) == 0
        case H264.NALType.stapA:
            guard payload.count >= 4 else { return false }
            let size = Int(payload[payload.startIndex + 1]) << 8 | Int(payload[payload.startIndex + 2])
            let start = payload.startIndex + 3
            guard size > 0, size <= payload.endIndex - start else { return false }
            return beginsAccessUnit(payload[start..<(start + size)])
        case H264.NALType.fuA:
            guard payload.count >= 3 else { return false }
            let header = payload[payload.startIndex + 1]
            guard header & 0x80 != 0 else { return false }
            let type = H264.nalType(header)
            guard H264.isVCL(type) else { return type == H264.NALType.sei || type == H264.NALType.sps }
            var rebuilt: [UInt8] = [type]
            rebuilt.append(contentsOf: payload.dropFirst(2).prefix(9))
            return H264.firstMBInSlice(rebuilt[...]) == 0
        default:
            return false
        }
    }
}
