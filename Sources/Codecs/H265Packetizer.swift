/// Splits H.265 access units into RTP payloads (RFC 7798, no DONL): a NAL unit that fits goes
/// alone (§4.4.1), runs of small NAL units (VPS + SPS + PPS, small slices) share an aggregation
/// packet (§4.4.2), larger ones are cut into evenly sized fragmentation units (§4.4.3). The marker
/// bit is set on the last payload of the access unit (§4.1). NAL units shorter than their
/// two-byte header are skipped. Stateless.
public struct H265Packetizer: RTPPacketizer, Sendable {
    public init() {}

    /// Smallest usable `maxPayloadSize`: payload header + FU header + one byte.
    public static let minimumPayloadSize = NALUnitPacketizer<H265Packetizer>.minimumPayloadSize

    public mutating func packetize(_ unit: AccessUnit, maxPayloadSize: Int) -> [(payload: [UInt8], marker: Bool)] {
        NALUnitPacketizer<Self>.packetize(unit.payloads, maxPayloadSize: maxPayloadSize)
    }
}

extension H265Packetizer: NALUnitPayloadFormat {
    static var nalHeaderSize: Int { 2 }

    /// §4.4.2: F is the OR of the aggregated F bits, LayerId and TID the lowest of theirs; type 48.
    static func appendAggregationHeader(for nalUnits: [[UInt8]], indices: [Int], to payload: inout [UInt8]) {
        var forbidden: UInt8 = 0
        var layerID: UInt8 = 0x3f
        var temporalID: UInt8 = 0x07
        for index in indices {
            let nal = nalUnits[index]
            forbidden |= nal[0] & 0x80
            layerID = min(layerID, (nal[0] & 0x01) << 5 | nal[1] >> 3)
            temporalID = min(temporalID, nal[1] & 0x07)
        }
        payload.append(forbidden | H265.aggregationPacket << 1 | layerID >> 5)
        payload.append((layerID & 0x1f) << 3 | temporalID)
    }

    /// §4.4.3: payload header (the NAL unit header with type 49), FU header (S, E, FuType).
    static func appendFragmentationHeader(of nal: [UInt8], isStart: Bool, isEnd: Bool, to payload: inout [UInt8]) {
        payload.append(nal[0] & 0x81 | H265.fragmentationUnit << 1)
        payload.append(nal[1])
        var fuHeader = H265.nalType(nal[0])
        if isStart { fuHeader |= 0x80 }
        if isEnd { fuHeader |= 0x40 }
        payload.append(fuHeader)
    }
}
