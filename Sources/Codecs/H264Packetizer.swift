/// Splits H.264 access units into RTP payloads (RFC 6184, packetization mode 1): a NAL unit that
/// fits goes alone (§5.6), runs of small NAL units (SPS + PPS, small slices) share a STAP-A
/// (§5.7.1), larger ones are cut into evenly sized FU-A fragments (§5.8). The marker bit is set on
/// the last payload of the access unit (§5.1). Stateless.
public struct H264Packetizer: RTPPacketizer, Sendable {
    public init() {}

    /// Smallest usable `maxPayloadSize`: FU indicator + FU header + one byte.
    public static let minimumPayloadSize = NALUnitPacketizer<H264Packetizer>.minimumPayloadSize

    public mutating func packetize(_ unit: AccessUnit, maxPayloadSize: Int) -> [(payload: [UInt8], marker: Bool)] {
        NALUnitPacketizer<Self>.packetize(unit.payloads, maxPayloadSize: maxPayloadSize)
    }
}

extension H264Packetizer: NALUnitPayloadFormat {
    static var nalHeaderSize: Int { 1 }

    /// §5.7.1: F is the OR of the aggregated F bits, NRI the highest of theirs; type 24.
    static func appendAggregationHeader(for nalUnits: [[UInt8]], indices: [Int], to payload: inout [UInt8]) {
        var forbidden: UInt8 = 0
        var nri: UInt8 = 0
        for index in indices {
            forbidden |= nalUnits[index][0] & 0x80
            nri = max(nri, nalUnits[index][0] & 0x60)
        }
        payload.append(forbidden | nri | H264.NALType.stapA)
    }

    /// §5.8: FU indicator (F and NRI of the NAL unit, type 28), FU header (S, E, R = 0, type).
    static func appendFragmentationHeader(of nal: [UInt8], isStart: Bool, isEnd: Bool, to payload: inout [UInt8]) {
        let header = nal[0]
        payload.append(header & 0xe0 | H264.NALType.fuA)
        var fuHeader = H264.nalType(header)
        if isStart { fuHeader |= 0x80 }
        if isEnd { fuHeader |= 0x40 }
        payload.append(fuHeader)
    }
}
