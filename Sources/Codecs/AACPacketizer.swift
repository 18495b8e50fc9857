/// Packetizer for `mpeg4-generic` AAC-hbr (RFC 3640 §3.3.6): one AU per payload with a 16-bit
/// AU-header (13-bit AU-size, 3-bit AU-Index 0) after a 16-bit AU-headers-length of 16; an AU
/// larger than a payload is fragmented (§3.2.3), every fragment with the whole AU-size and the
/// marker bit on the last. AUs of 8192 bytes or more cannot be described and give no payloads.
public struct AACPacketizer: RTPPacketizer, Sendable {
    /// Largest AU the 13-bit AU-size can describe.
    public static let maxAccessUnitBytes = (1 << 13) - 1

    public init() {}

    public mutating func packetize(_ unit: AccessUnit, maxPayloadSize: Int) -> [(payload: [UInt8], marker: Bool)] {
        let frame = unit.payloads.count == 1 ? unit.payloads[0] : unit.payloads.flatMap { $0 }
        guard !frame.isEmpty, frame.count <= Self.maxAccessUnitBytes, maxPayloadSize > 4 else { return [] }
        let header: [UInt8] = [0x00, 0x10, UInt8(truncatingIfNeeded: frame.count >> 5), UInt8(truncatingIfNeeded: frame.count << 3)]
        let chunk = maxPayloadSize - header.count
        var out: [(payload: [UInt8], marker: Bool)] = []
        var offset = 0
        while offset < frame.count {
            let end = min(offset + chunk, frame.count)
            var payload = header
            payload.reserveCapacity(header.count + end - offset)
            payload += frame[offset..<end]
            out.append((payload, end == frame.count))
            offset = end
        }
        return out
    }
}
