import RTCBase

/// Splits H.265 access units into RTP payloads (RFC 7798, no DONL): a NAL unit that fits goes
/// alone (§4.4.1), runs of small NAL units (VPS + SPS + PPS, small slices) share an aggregation
/// packet (§4.4.2), larger ones are cut into evenly sized fragmentation units (§4.4.3). The marker
/// bit is set on the last payload of the access unit (§4.1). NAL units shorter than their
/// two-byte header are skipped. Stateless.
public struct H265Packetizer: RTPPacketizer, Sendable {
    public init() {}

    /// Smallest usable `maxPayloadSize`: payload header + FU header + one byte.
    public static let minimumPayloadSize = 4

    public mutating func packetize(_ unit: AccessUnit, maxPayloadSize: Int) -> [(payload: [UInt8], marker: Bool)] {
        guard maxPayloadSize >= Self.minimumPayloadSize else { return [] }
        var packets: [(payload: [UInt8], marker: Bool)] = []
        var pending: [Int] = []      // indices of NAL units waiting to be aggregated
        var pendingSize = 2          // aggregation packet payload header
        let nalUnits = unit.payloads

        func flushPending() {
            guard let firstIndex = pending.first else { return }
            if pending.count == 1 {
                packets.append((nalUnits[firstIndex], false))
            } else {
                packets.append((Self.aggregationPacket(of: pending.map { nalUnits[$0] }, size: pendingSize), false))
            }
            pending.removeAll(keepingCapacity: true)
            pendingSize = 2
        }

        for (index, nal) in nalUnits.enumerated() where nal.count >= 2 {
            if nal.count > maxPayloadSize {
                flushPending()
                appendFragments(of: nal, maxPayloadSize: maxPayloadSize, to: &packets)
                continue
            }
            if nal.count > 0xffff {  // too big for an aggregation size field: always alone
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

    /// §4.4.2: F is the OR of the aggregated F bits, LayerId and TID the lowest of theirs.
    private static func aggregationPacket(of nalUnits: [[UInt8]], size: Int) -> [UInt8] {
        var forbidden: UInt8 = 0
        var layerID: UInt8 = 0x3f
        var temporalID: UInt8 = 0x07
        for nal in nalUnits {
            forbidden |= nal[0] & 0x80
            layerID = min(layerID, (nal[0] & 0x01) << 5 | nal[1] >> 3)
            temporalID = min(temporalID, nal[1] & 0x07)
        }
        var payload: [UInt8] = []
        payload.reserveCapacity(size)
        payload.append(forbidden | H265.aggregationPacket << 1 | layerID >> 5)
        payload.append((layerID & 0x1f) << 3 | temporalID)
        for nal in nalUnits {
            payload.appendUInt16(UInt16(truncatingIfNeeded: nal.count))
            payload.append(contentsOf: nal)
        }
        return payload
    }

    private func appendFragments(of nal: [UInt8], maxPayloadSize: Int,
                                 to packets: inout [(payload: [UInt8], marker: Bool)]) {
        let type = H265.nalType(nal[0])
        let body = nal.dropFirst(2)
        let capacity = maxPayloadSize - 3
        let fragmentCount = (body.count + capacity - 1) / capacity
        let baseSize = body.count / fragmentCount
        let largerFragments = body.count % fragmentCount  // the first ones carry one byte more
        var start = body.startIndex
        for fragmentIndex in 0..<fragmentCount {
            let size = baseSize + (fragmentIndex < largerFragments ? 1 : 0)
            var payload: [UInt8] = []
            payload.reserveCapacity(size + 3)
            payload.append(nal[0] & 0x81 | H265.fragmentationUnit << 1)
            payload.append(nal[1])
            var fuHeader = type
            if fragmentIndex == 0 { fuHeader |= 0x80 }
            if fragmentIndex == fragmentCount - 1 { fuHeader |= 0x40 }
            payload.append(fuHeader)
            payload.append(contentsOf: body[start..<(start + size)])
            packets.append((payload, false))
            start += size
        }
    }
}
