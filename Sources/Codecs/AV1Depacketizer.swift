/// Reassembles AV1 temporal units from RTP payloads (AV1 RTP Payload Format v1.0 §4).
///
/// Each payload is an aggregation header (§4.4: Z, Y, W, N) and OBU elements, each with a LEB128
/// length except the last when W > 0. Z says the first element continues an OBU fragment from
/// the previous packet, Y that the last one continues in the next. A temporal unit is the run of
/// packets sharing an RTP timestamp, complete at the marker bit or the next timestamp change.
///
/// `AccessUnit.payloads` is the temporal unit in low-overhead bitstream format (AV1 spec §5.2):
/// a temporal delimiter, then every received OBU with obu_has_size_field set and obu_size, one
/// element per OBU, so their concatenation is what an IVF or OBU file holds. Received temporal
/// delimiters and tile list OBUs are dropped (§5). A unit is a key frame when its first packet
/// has N = 1, or it holds a sequence header and its first frame header is a KEY_FRAME.
/// A sequence-number gap, a malformed packet or a limit overrun drops the unit it hits;
/// delivery then resumes at the next key frame. `maxNALUnitsPerAccessUnit` caps OBUs per unit.
public struct AV1Depacketizer: RTPDepacketizer, Sendable {
    public let limits: DepacketizerLimits
    public private(set) var droppedPackets = 0
    public private(set) var droppedAccessUnits = 0

    private var obus: [[UInt8]] = []
    private var unitBytes = 0
    private var unitPackets = 0
    private var unitTimestamp: UInt32 = 0
    private var unitOpen = false
    private var unitBroken = false
    private var unitStartsSequence = false
    private var unitHasSequenceHeader = false
    private var unitHasKeyFrameHeader = false
    private var unitSawFrameHeader = false
    private var reducedStillPictureHeader = false
    private var fragment: [UInt8] = []
    private var fragmentOpen = false
    private var lastSequenceNumber: UInt16?
    private var awaitingKeyframe = false

    public init(limits: DepacketizerLimits = DepacketizerLimits()) {
        self.limits = limits
    }

    public mutating func push(payload: ArraySlice<UInt8>, sequenceNumber: UInt16, rtpTimestamp: UInt32,
                              marker: Bool) -> [AccessUnit] {
        var output: [AccessUnit] = []
        var gap = false
        if let last = lastSequenceNumber {
            let delta = sequenceNumber &- last
            if delta == 0 || delta >= 0x8000 {
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
        let header = payload.first ?? 0
        if !unitOpen {
            unitOpen = true
            unitTimestamp = rtpTimestamp
            unitStartsSequence = header & 0x08 != 0
            // A unit cannot begin inside a fragment.
            if header & 0x80 != 0 { unitBroken = true }
        }
        unitPackets += 1
        if !unitBroken { parse(payload) }
        if marker { finishUnit(into: &output) }
        return output
    }

    /// Delivers the temporal unit in progress, if any (e.g. at end of stream).
    public mutating func flush() -> [AccessUnit] {
        var output: [AccessUnit] = []
        if unitOpen { finishUnit(into: &output) }
        return output
    }

    // MARK: - Parsing

    private mutating func parse(_ payload: ArraySlice<UInt8>) {
        guard let header = payload.first, payload.count >= 2 else { unitBroken = true; return }
        let continuesFragment = header & 0x80 != 0
        let endsInFragment = header & 0x40 != 0
        let declaredCount = Int(header >> 4 & 0x03)
        guard continuesFragment == fragmentOpen else { unitBroken = true; return }
        var index = payload.startIndex + 1
        var elementNumber = 0
        while index < payload.endIndex {
            elementNumber += 1
            let size: Int
            if declaredCount != 0 && elementNumber == declaredCount {
                size = payload.endIndex - index
            } else {
                guard let (length, lengthSize) = try? AV1.readLEB128(payload[index...]) else { unitBroken = true; return }
                index += lengthSize
                size = length
            }
            guard size > 0, size <= payload.endIndex - index else { unitBroken = true; return }
            let element = payload[index..<(index + size)]
            index += size
            let isFirst = elementNumber == 1
            let isLast = index == payload.endIndex
            if isFirst && continuesFragment {
                appendToFragment(element)
                if !(isLast && endsInFragment) {
                    fragmentOpen = false
                    appendOBU(fragment[...])
                }
            } else if isLast && endsInFragment {
                fragment.removeAll(keepingCapacity: true)
                fragmentOpen = true
                appendToFragment(element)
            } else {
                appendOBU(element)
            }
            if unitBroken { return }
        }
        // W > 0 promises exactly that many elements.
        if declaredCount != 0 && elementNumber != declaredCount { unitBroken = true }
    }

    private mutating func appendToFragment(_ element: ArraySlice<UInt8>) {
        guard element.count <= limits.maxAccessUnitBytes - unitBytes - fragment.count else {
            unitBroken = true
            return
        }
        fragment.append(contentsOf: element)
    }

    private mutating func appendOBU(_ element: ArraySlice<UInt8>) {
        guard !unitBroken else { return }
        guard let obu = try? AV1.OBU(parsing: element), obu.endIndex == element.endIndex else {
            unitBroken = true
            return
        }
        switch obu.type {
        case AV1.OBUType.temporalDelimiter, AV1.OBUType.tileList:
            return
        case AV1.OBUType.sequenceHeader:
            unitHasSequenceHeader = true
            reducedStillPictureHeader = AV1.hasReducedStillPictureHeader(sequenceHeader: obu.payload) ?? false
        case AV1.OBUType.frameHeader, AV1.OBUType.frame:
            if !unitSawFrameHeader {
                unitSawFrameHeader = true
                unitHasKeyFrameHeader = AV1.isKeyframeHeader(obu.payload, reducedStillPictureHeader: reducedStillPictureHeader)
            }
        default:
            break
        }
        let sizedCount = obu.headerSize + AV1.leb128Size(obu.payload.count) + obu.payload.count
        guard obus.count < limits.maxNALUnitsPerAccessUnit,
              sizedCount <= limits.maxAccessUnitBytes - unitBytes - AV1.temporalDelimiter.count else {
            unitBroken = true
            return
        }
        var sized: [UInt8] = []
        sized.reserveCapacity(sizedCount)
        obu.appendSized(to: &sized)
        obus.append(sized)
        unitBytes += sizedCount
    }

    // MARK: - Completing units

    private mutating func finishUnit(into output: inout [AccessUnit]) {
        if fragmentOpen { unitBroken = true }
        let isKeyframe = unitStartsSequence || (unitHasSequenceHeader && unitHasKeyFrameHeader)
        defer { resetUnit() }
        if unitBroken || obus.isEmpty || (awaitingKeyframe && !isKeyframe) {
            droppedPackets += unitPackets
            droppedAccessUnits += 1
            if unitBroken { awaitingKeyframe = true }
            return
        }
        if isKeyframe { awaitingKeyframe = false }
        obus.insert(AV1.temporalDelimiter, at: 0)
        output.append(AccessUnit(payloads: obus, rtpTimestamp: unitTimestamp, isKeyframe: isKeyframe))
    }

    private mutating func resetUnit() {
        obus = []
        unitBytes = 0
        unitPackets = 0
        unitOpen = false
        unitBroken = false
        unitStartsSequence = false
        unitHasSequenceHeader = false
        unitHasKeyFrameHeader = false
        unitSawFrameHeader = false
        fragmentOpen = false
    }
}
