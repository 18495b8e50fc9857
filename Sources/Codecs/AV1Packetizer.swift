/// Splits AV1 temporal units into RTP payloads (AV1 RTP Payload Format v1.0 §4, §5).
///
/// `AccessUnit.payloads` holds OBUs in low-overhead format (AV1 spec §5.2): each element is one
/// or more OBUs, each with obu_size except possibly the last of an element. Temporal delimiters
/// and tile list OBUs are dropped (§5); the others go out as OBU elements with obu_has_size_field
/// cleared (§4.3), packed greedily into payloads of at most `maxPayloadSize` bytes and fragmented
/// across payloads (Z/Y) where they do not fit. Packets with up to three elements use W and omit
/// the last length; larger ones give every element a LEB128 length. N is set on the first payload
/// when the unit starts a coded video sequence (a sequence header and a KEY_FRAME frame header);
/// the marker on the last payload. Returns no payloads for malformed OBUs. Stateless.
public struct AV1Packetizer: RTPPacketizer, Sendable {
    public init() {}

    /// Smallest usable `maxPayloadSize`: aggregation header + one length byte + one byte.
    public static let minimumPayloadSize = 3

    private struct Element {
        var obuIndex: Int
        var range: Range<Int>
    }

    public mutating func packetize(_ unit: AccessUnit, maxPayloadSize: Int) -> [(payload: [UInt8], marker: Bool)] {
        guard maxPayloadSize >= Self.minimumPayloadSize, let obus = Self.obus(of: unit.payloads) else { return [] }
        var packets: [(payload: [UInt8], marker: Bool)] = []
        var elements: [Element] = []
        var used = 1
        var continuesFragment = false

        func flush(endsInFragment: Bool) {
            guard !elements.isEmpty else { return }
            let count = elements.count
            var header: UInt8 = count <= 3 ? UInt8(truncatingIfNeeded: count) << 4 : 0
            if continuesFragment { header |= 0x80 }
            if endsInFragment { header |= 0x40 }
            var payload: [UInt8] = []
            payload.reserveCapacity(used)
            payload.append(header)
            for (number, element) in elements.enumerated() {
                if count > 3 || number < count - 1 { AV1.appendLEB128(element.range.count, to: &payload) }
                obus[element.obuIndex].appendElementBytes(element.range, to: &payload)
            }
            packets.append((payload, false))
            elements.removeAll(keepingCapacity: true)
            used = 1
            continuesFragment = endsInFragment
        }

        for (obuIndex, obu) in obus.enumerated() {
            let total = obu.elementSize
            var offset = 0
            while offset < total {
                let available = maxPayloadSize - used
                let remaining = total - offset
                if AV1.leb128Size(remaining) + remaining <= available {
                    elements.append(Element(obuIndex: obuIndex, range: offset..<total))
                    used += AV1.leb128Size(remaining) + remaining
                    offset = total
                    continue
                }
                // The element that closes a packet of up to three needs no length (W > 0).
                let lastNeedsLength = elements.count >= 3
                if !lastNeedsLength && remaining <= available {
                    elements.append(Element(obuIndex: obuIndex, range: offset..<total))
                    used += remaining
                    offset = total
                    flush(endsInFragment: false)
                    continue
                }
                var chunk = lastNeedsLength ? available - 1 : available
                while lastNeedsLength && chunk > 0 && AV1.leb128Size(chunk) + chunk > available { chunk -= 1 }
                guard chunk > 0 else {
                    flush(endsInFragment: false)
                    continue
                }
                elements.append(Element(obuIndex: obuIndex, range: offset..<(offset + chunk)))
                used += (lastNeedsLength ? AV1.leb128Size(chunk) : 0) + chunk
                offset += chunk
                flush(endsInFragment: true)
            }
        }
        flush(endsInFragment: false)
        guard !packets.isEmpty else { return [] }
        if Self.startsCodedVideoSequence(obus) { packets[0].payload[0] |= 0x08 }
        packets[packets.count - 1].marker = true
        return packets
    }

    /// The OBUs to send, or nil when an element does not parse.
    static func obus(of payloads: [[UInt8]]) -> [AV1.OBU]? {
        var obus: [AV1.OBU] = []
        for element in payloads {
            var rest = element[...]
            while !rest.isEmpty {
                guard let obu = try? AV1.OBU(parsing: rest) else { return nil }
                rest = rest[obu.endIndex...]
                if obu.type == AV1.OBUType.temporalDelimiter || obu.type == AV1.OBUType.tileList { continue }
                obus.append(obu)
            }
        }
        return obus
    }

    /// A sequence header, and the first frame header is a KEY_FRAME.
    static func startsCodedVideoSequence(_ obus: [AV1.OBU]) -> Bool {
        var reduced: Bool?
        for obu in obus {
            switch obu.type {
            case AV1.OBUType.sequenceHeader:
                reduced = AV1.hasReducedStillPictureHeader(sequenceHeader: obu.payload)
            case AV1.OBUType.frameHeader, AV1.OBUType.frame:
                guard let reduced else { return false }
                return AV1.isKeyframeHeader(obu.payload, reducedStillPictureHeader: reduced)
            default:
                continue
            }
        }
        return false
    }
}
