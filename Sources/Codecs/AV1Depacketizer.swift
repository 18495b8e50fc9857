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
    private var assembler: FrameAssembler<TemporalUnitAssembly>

    public init(limits: DepacketizerLimits = DepacketizerLimits()) {
        assembler = FrameAssembler(format: TemporalUnitAssembly(limits: limits))
    }

    public var limits: DepacketizerLimits { assembler.limits }
    public var droppedPackets: Int { assembler.droppedPackets }
    public var droppedAccessUnits: Int { assembler.droppedAccessUnits }
    public var isAwaitingKeyframe: Bool { assembler.isAwaitingKeyframe }

    public mutating func push(payload: ArraySlice<UInt8>, sequenceNumber: UInt16, rtpTimestamp: UInt32,
                              marker: Bool) -> [AccessUnit] {
        assembler.push(payload: payload, sequenceNumber: sequenceNumber, rtpTimestamp: rtpTimestamp, marker: marker)
    }

    /// Delivers the temporal unit in progress, if any (e.g. at end of stream).
    public mutating func flush() -> [AccessUnit] {
        assembler.flush()
    }
}

extension AV1Depacketizer {
    /// The AV1 half of the assembly: OBU elements and OBU fragments (§4.4), key-frame
    /// detection, OBUs rewritten with obu_size.
    struct TemporalUnitAssembly: FrameAssemblyFormat {
        let limits: DepacketizerLimits
        private var unitStartsSequence = false
        private var unitHasSequenceHeader = false
        private var unitHasKeyFrameHeader = false
        private var unitSawFrameHeader = false
        private var reducedStillPictureHeader = false

        init(limits: DepacketizerLimits) {
            self.limits = limits
        }

        var unitIsKeyframe: Bool { unitStartsSequence || (unitHasSequenceHeader && unitHasKeyFrameHeader) }

        mutating func begin(_ unit: inout PartialAccessUnit, with payload: ArraySlice<UInt8>, afterGap: Bool) {
            let header = payload.first ?? 0
            unitStartsSequence = header & 0x08 != 0
            // A unit cannot begin inside a fragment.
            if header & 0x80 != 0 { unit.isBroken = true }
        }

        mutating func append(_ payload: ArraySlice<UInt8>, to unit: inout PartialAccessUnit) {
            guard let header = payload.first, payload.count >= 2 else { unit.isBroken = true; return }
            let continuesFragment = header & 0x80 != 0
            let endsInFragment = header & 0x40 != 0
            let declaredCount = Int(header >> 4 & 0x03)
            guard continuesFragment == unit.fragmentOpen else { unit.isBroken = true; return }
            var index = payload.startIndex + 1
            var elementNumber = 0
            while index < payload.endIndex {
                elementNumber += 1
                let size: Int
                if declaredCount != 0 && elementNumber == declaredCount {
                    size = payload.endIndex - index
                } else {
                    guard let (length, lengthSize) = try? AV1.readLEB128(payload[index...]) else {
                        unit.isBroken = true
                        return
                    }
                    index += lengthSize
                    size = length
                }
                guard size > 0, size <= payload.endIndex - index else { unit.isBroken = true; return }
                let element = payload[index..<(index + size)]
                index += size
                let isFirst = elementNumber == 1
                let isLast = index == payload.endIndex
                if isFirst && continuesFragment {
                    unit.appendToFragment(element, limits: limits)
                    if !(isLast && endsInFragment) {
                        unit.fragmentOpen = false
                        appendOBU(unit.fragment[...], to: &unit)
                    }
                } else if isLast && endsInFragment {
                    unit.startFragment()
                    unit.appendToFragment(element, limits: limits)
                } else {
                    appendOBU(element, to: &unit)
                }
                if unit.isBroken { return }
            }
            // W > 0 promises exactly that many elements.
            if declaredCount != 0 && elementNumber != declaredCount { unit.isBroken = true }
        }

        private mutating func appendOBU(_ element: ArraySlice<UInt8>, to unit: inout PartialAccessUnit) {
            guard !unit.isBroken else { return }
            guard let obu = try? AV1.OBU(parsing: element), obu.endIndex == element.endIndex else {
                unit.isBroken = true
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
                    unitHasKeyFrameHeader = AV1.isKeyframeHeader(obu.payload,
                                                                 reducedStillPictureHeader: reducedStillPictureHeader)
                }
            default:
                break
            }
            let sizedCount = obu.headerSize + AV1.leb128Size(obu.payload.count) + obu.payload.count
            guard unit.canAppend(count: sizedCount, reserved: AV1.temporalDelimiter.count, limits: limits) else {
                unit.isBroken = true
                return
            }
            var sized: [UInt8] = []
            sized.reserveCapacity(sizedCount)
            obu.appendSized(to: &sized)
            unit.append(sized)
        }

        func end(_ unit: inout PartialAccessUnit) {
            if unit.fragmentOpen { unit.isBroken = true }
        }

        /// §5: the delivered temporal unit starts with a temporal delimiter.
        func finalize(_ obus: inout [[UInt8]], isKeyframe: Bool) {
            obus.insert(AV1.temporalDelimiter, at: 0)
        }

        mutating func reset() {
            unitStartsSequence = false
            unitHasSequenceHeader = false
            unitHasKeyFrameHeader = false
            unitSawFrameHeader = false
        }
    }
}
