import RTCBase

/// Splits H.264 access units into RTP payloads (RFC 6184, packetization mode 1): a NAL unit that
/// fits goes alone (§5.6), runs of small NAL units (SPS + PPS, small slices) share a STAP-A
/// (§5.7.1), larger ones are cut into evenly sized FU-A fragments (§5.8). The marker bit is set on
/// the last payload of the access unit (§5.1). Stateless.
public struct H264Packetizer: RTPPacketizer, Sendable {
    public init() {}

    /// Smallest usable `maxPayloadSize`: FU indicator + FU header + one byte.
    public static let minimumPayloadSize = 3

    public mutating func packetize(_ unit: AccessUnit, maxPayloadSize: Int) -> [(payload: [UInt8], marker: Bool)] {
        guard maxPayloadSize >= Self.minimumPayloadSize else { return [] }
        var packets: [(payload: [UInt8], marker: Bool)] = []
        var pending: [Int] = []      // indices of NAL units waiting to be aggregated
        var pendingSize = 1          // STAP-A header byte
        let nalUnits = unit.payloads

        func flushPending() {
            guard let firstIndex = pending.first else { return }
            if pending.count == 1 {
                packets.append((nalUnits[firstIndex], false))
            } else {
                var payload: [UInt8] = []
                payload.reserveCapacity(pendingSize)
                var forbidden: UInt8 = 0
                var nri: UInt8 = 0
                for index in pending {
                    forbidden |= nalUnits[index][0] & 0x80
                    nri = max(nri, nalUnits[index][0] & 0x60)
                }
                payload.append(forbidden | nri | H264.NALType.stapA)
                for index in pending {
                    payload.appendUInt16(UInt16(truncatingIfNeeded: nalUnits[index].count))
                    payload.append(contentsOf: nalUnits[index])
                }
                packets.append((payload, false))
            }
            pending.removeAll(keepingCapacity: true)
            pendingSize = 1
        }

        for (index, nal) in nalUnits.enumerated() where !nal.isEmpty {
            if nal.count > maxPayloadSize {
                flushPending()
                appendFragments(of: nal, maxPayloadSize: maxPayloadSize, to: &packets)
                continue
            }
            if nal.count > 0xffff {  // too big for a STAP-A size field: always alone
                flushPending()
                packets.append((nal, false))
                continue
            }
            let aggregatedSize = 2 + nal.count
            if !pending.isEmpty && pendingSize + aggregatedSize > maxPayloadSize { flushPending() }
            pending.append(index)
            pendingSize += aggregatedSize
        }
        flushPending()
        if !packets.isEmpty { packets[packets.count - 1].marker = true }
        return packets
    }

    private func appendFragments(of nal: [UInt8], maxPayloadSize: Int,
                                 to packets: inout [(payload: [UInt8], marker: Bool)]) {
        let header = nal[0]
        let body = nal.dropFirst()
        let capacity = maxPayloadSize - 2
        let fragmentCount = (body.count + capacity - 1) / capacity
        let baseSize = body.count / fragmentCount
        let largerFragments = body.count % fragmentCount  // the first ones carry one byte more
        var start = body.startIndex
        for fragmentIndex in 0..<fragmentCount {
            let size = baseSize + (fragmentIndex < largerFragments ? 1 : 0)
            var payload: [UInt8] = []
            payload.reserveCapacity(size + 2)
            payload.append(header & 0xe0 | H264.NALType.fuA)
            var fuHeader = H264.nalType(header)
            if fragmentIndex == 0 { fuHeader |= 0x80 }
            if fragmentIndex == fragmentCount - 1 { fuHeader |= 0x40 }
            payload.append(fuHeader)
            payload.append(contentsOf: body[start..<(start + size)])
            packets.append((payload, false))
            start += size
        }
    }
}
