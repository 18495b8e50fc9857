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
    private var assembler: FrameAssembler<NALAssembly>

    /// - Parameter parameterSets: SPS/PPS NAL units to start with, e.g. from
    ///   `H264.parseSpropParameterSets`; other NAL types are ignored.
    public init(parameterSets: [[UInt8]] = [], limits: DepacketizerLimits = DepacketizerLimits()) {
        var format = NALAssembly(limits: limits)
        for nal in parameterSets { format.cacheParameterSet(nal[...]) }
        assembler = FrameAssembler(format: format)
    }

    /// Seeds parameter sets from the SDP fmtp `sprop-parameter-sets` (RFC 6184 §8.1), if present.
    public init(fmtp: [String: String], limits: DepacketizerLimits = DepacketizerLimits()) {
        let sprop = fmtp.first { $0.key.lowercased() == "sprop-parameter-sets" }?.value
        self.init(parameterSets: sprop.map(H264.parseSpropParameterSets) ?? [], limits: limits)
    }

    public var limits: DepacketizerLimits { assembler.limits }
    public var droppedPackets: Int { assembler.droppedPackets }
    public var droppedAccessUnits: Int { assembler.droppedAccessUnits }
    public var isAwaitingKeyframe: Bool { assembler.isAwaitingKeyframe }
    /// Latest sequence parameter set seen (or seeded), NAL header included.
    public var sps: [UInt8]? { assembler.format.sps }
    /// Latest picture parameter set seen (or seeded), NAL header included.
    public var pps: [UInt8]? { assembler.format.pps }

    /// The cached parameter sets, SPS first.
    public var parameterSets: [[UInt8]] { [sps, pps].compactMap { $0 } }

    public mutating func push(payload: ArraySlice<UInt8>, sequenceNumber: UInt16, rtpTimestamp: UInt32,
                              marker: Bool) -> [AccessUnit] {
        assembler.push(payload: payload, sequenceNumber: sequenceNumber, rtpTimestamp: rtpTimestamp, marker: marker)
    }

    /// Delivers the access unit in progress, if any (e.g. at end of stream).
    public mutating func flush() -> [AccessUnit] {
        assembler.flush()
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

extension H264Depacketizer {
    /// The H.264 half of the assembly: NAL unit packets, STAP-A, FU-A; IDR detection and the
    /// SPS/PPS cache.
    struct NALAssembly: FrameAssemblyFormat {
        let limits: DepacketizerLimits
        private(set) var sps: [UInt8]?
        private(set) var pps: [UInt8]?
        private var unitHasIDR = false
        private var unitHasSPS = false
        private var unitHasPPS = false

        init(limits: DepacketizerLimits) {
            self.limits = limits
        }

        var unitIsKeyframe: Bool { unitHasIDR }

        func begin(_ unit: inout PartialAccessUnit, with payload: ArraySlice<UInt8>, afterGap: Bool) {
            // After a gap, a unit is only whole if this packet is provably its first one.
            if afterGap && !H264Depacketizer.beginsAccessUnit(payload) { unit.isBroken = true }
        }

        mutating func append(_ payload: ArraySlice<UInt8>, to unit: inout PartialAccessUnit) {
            guard let first = payload.first, first & 0x80 == 0 else { unit.isBroken = true; return }
            switch H264.nalType(first) {
            case 1...23:
                appendNAL(payload, to: &unit)
            case H264.NALType.stapA:
                appendSTAPA(payload.dropFirst(), to: &unit)
            case H264.NALType.fuA:
                appendFUA(indicator: first, payload.dropFirst(), to: &unit)
            default:  // STAP-B, MTAP, FU-B (interleaved mode) and reserved types are not supported
                unit.isBroken = true
            }
        }

        /// §5.7.1: (16-bit NALU size, NAL unit) repeated, at least one.
        private mutating func appendSTAPA(_ body: ArraySlice<UInt8>, to unit: inout PartialAccessUnit) {
            var index = body.startIndex
            guard index < body.endIndex else { unit.isBroken = true; return }
            while index < body.endIndex && !unit.isBroken {
                guard body.endIndex - index >= 2 else { unit.isBroken = true; return }
                let size = Int(body[index]) << 8 | Int(body[index + 1])
                index += 2
                guard size > 0, size <= body.endIndex - index else { unit.isBroken = true; return }
                appendNAL(body[index..<(index + size)], to: &unit)
                index += size
            }
        }

        /// §5.8: FU indicator (F, NRI, type 28), FU header (S, E, R, type), FU payload.
        private mutating func appendFUA(indicator: UInt8, _ body: ArraySlice<UInt8>, to unit: inout PartialAccessUnit) {
            guard let header = body.first, body.count >= 2 else { unit.isBroken = true; return }
            let completed = unit.appendFragmentationUnit(
                body.dropFirst(), isStart: header & 0x80 != 0, isEnd: header & 0x40 != 0,
                headerByte: indicator & 0xe0 | H264.nalType(header), secondHeaderByte: nil, typeMask: 0x1f,
                limits: limits)
            if completed { appendNAL(unit.fragment[...], to: &unit) }
        }

        private mutating func appendNAL(_ nal: ArraySlice<UInt8>, to unit: inout PartialAccessUnit) {
            guard let header = nal.first, header & 0x80 == 0,
                  unit.canAppend(count: nal.count, limits: limits) else {
                unit.isBroken = true
                return
            }
            switch H264.nalType(header) {
            case H264.NALType.idrSlice: unitHasIDR = true
            case H264.NALType.sps: unitHasSPS = true; cacheParameterSet(nal)
            case H264.NALType.pps: unitHasPPS = true; cacheParameterSet(nal)
            default: break
            }
            unit.append(Array(nal))
        }

        mutating func cacheParameterSet(_ nal: ArraySlice<UInt8>) {
            guard let header = nal.first, nal.count >= 2, nal.count <= limits.maxParameterSetBytes else { return }
            switch H264.nalType(header) {
            case H264.NALType.sps: sps = Array(nal)
            case H264.NALType.pps: pps = Array(nal)
            default: break
            }
        }

        func end(_ unit: inout PartialAccessUnit) {
            if unit.fragmentOpen { unit.isBroken = true }
        }

        /// IDR access units without SPS/PPS get the cached ones: SPS first (after an access unit
        /// delimiter, if any), PPS right after the SPS.
        func finalize(_ nalUnits: inout [[UInt8]], isKeyframe: Bool) {
            guard isKeyframe else { return }
            if !unitHasSPS, let sps {
                let afterDelimiter = nalUnits.first.map { H264.nalType($0.first ?? 0) == H264.NALType.accessUnitDelimiter } ?? false
                nalUnits.insert(sps, at: afterDelimiter ? 1 : 0)
            }
            if !unitHasPPS, let pps {
                let spsIndex = nalUnits.firstIndex { H264.nalType($0.first ?? 0) == H264.NALType.sps }
                nalUnits.insert(pps, at: spsIndex.map { $0 + 1 } ?? 0)
            }
        }

        mutating func reset() {
            unitHasIDR = false
            unitHasSPS = false
            unitHasPPS = false
        }
    }
}
