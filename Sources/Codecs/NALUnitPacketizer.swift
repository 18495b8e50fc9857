import RTCBase

/// How a NAL-unit payload format frames aggregation and fragmentation packets: H.264 (RFC 6184
/// STAP-A §5.7.1, FU-A §5.8) and H.265 (RFC 7798 AP §4.4.2, FU §4.4.3). Both put a payload header
/// of NAL unit header size in front of an aggregation packet, and a payload header plus a
/// one-byte FU header in front of each fragment.
protocol NALUnitPayloadFormat {
    /// Size of the NAL unit header, and of the aggregation/FU payload header: 1 (H.264), 2 (H.265).
    static var nalHeaderSize: Int { get }
    /// Appends the aggregation packet's payload header for `nalUnits[indices]` (each at least
    /// `nalHeaderSize` bytes).
    static func appendAggregationHeader(for nalUnits: [[UInt8]], indices: [Int], to payload: inout [UInt8])
    /// Appends the payload header and FU header of one fragment of `nal`.
    static func appendFragmentationHeader(of nal: [UInt8], isStart: Bool, isEnd: Bool, to payload: inout [UInt8])
}

/// Packetization shared by H.264 (RFC 6184, mode 1) and H.265 (RFC 7798, no DONL): a NAL unit
/// that fits goes alone (single NAL unit packet), runs of small NAL units share an aggregation
/// packet (16-bit size, NAL unit, repeated), larger ones are cut into evenly sized fragmentation
/// units. The marker bit is set on the last payload of the access unit (RFC 6184 §5.1, RFC 7798
/// §4.1). NAL units shorter than their header are skipped.
struct NALUnitPacketizer<Format: NALUnitPayloadFormat> {
    /// Smallest usable `maxPayloadSize`: payload header + FU header + one byte.
    static var minimumPayloadSize: Int { Format.nalHeaderSize + 2 }

    private let nalUnits: [[UInt8]]
    private let maxPayloadSize: Int
    private var packets: [(payload: [UInt8], marker: Bool)] = []
    private var pending: [Int] = []                  // indices of NAL units waiting to be aggregated
    private var pendingSize = Format.nalHeaderSize   // aggregation packet payload header

    private init(nalUnits: [[UInt8]], maxPayloadSize: Int) {
        self.nalUnits = nalUnits
        self.maxPayloadSize = maxPayloadSize
    }

    /// The payloads of one access unit's NAL units, in order; empty when `maxPayloadSize` is
    /// below `minimumPayloadSize`.
    static func packetize(_ nalUnits: [[UInt8]], maxPayloadSize: Int) -> [(payload: [UInt8], marker: Bool)] {
        guard maxPayloadSize >= minimumPayloadSize else { return [] }
        var packetizer = Self(nalUnits: nalUnits, maxPayloadSize: maxPayloadSize)
        for (index, nal) in nalUnits.enumerated() where nal.count >= Format.nalHeaderSize {
            packetizer.add(nal, at: index)
        }
        packetizer.flushPending()
        if !packetizer.packets.isEmpty { packetizer.packets[packetizer.packets.count - 1].marker = true }
        return packetizer.packets
    }

    private mutating func add(_ nal: [UInt8], at index: Int) {
        if nal.count > maxPayloadSize {
            flushPending()
            appendFragments(of: nal)
            return
        }
        if nal.count > 0xffff {  // too big for an aggregation size field: always alone
            flushPending()
            packets.append((nal, false))
            return
        }
        let aggregatedSize = 2 + nal.count
        if !pending.isEmpty && pendingSize + aggregatedSize > maxPayloadSize { flushPending() }
        pending.append(index)
        pendingSize += aggregatedSize
    }

    private mutating func flushPending() {
        guard let firstIndex = pending.first else { return }
        if pending.count == 1 {
            packets.append((nalUnits[firstIndex], false))
        } else {
            var payload: [UInt8] = []
            payload.reserveCapacity(pendingSize)
            Format.appendAggregationHeader(for: nalUnits, indices: pending, to: &payload)
            for index in pending {
                payload.appendUInt16(UInt16(truncatingIfNeeded: nalUnits[index].count))
                payload.append(contentsOf: nalUnits[index])
            }
            packets.append((payload, false))
        }
        pending.removeAll(keepingCapacity: true)
        pendingSize = Format.nalHeaderSize
    }

    /// Fragments of equal size; the first ones carry one byte more when it does not divide.
    private mutating func appendFragments(of nal: [UInt8]) {
        let body = nal.dropFirst(Format.nalHeaderSize)
        let headerSize = Format.nalHeaderSize + 1
        let capacity = maxPayloadSize - headerSize
        let fragmentCount = (body.count + capacity - 1) / capacity
        let baseSize = body.count / fragmentCount
        let largerFragments = body.count % fragmentCount
        var start = body.startIndex
        for fragmentIndex in 0..<fragmentCount {
            let size = baseSize + (fragmentIndex < largerFragments ? 1 : 0)
            var payload: [UInt8] = []
            payload.reserveCapacity(size + headerSize)
            Format.appendFragmentationHeader(of: nal, isStart: fragmentIndex == 0,
                                             isEnd: fragmentIndex == fragmentCount - 1, to: &payload)
            payload.append(contentsOf: body[start..<(start + size)])
            packets.append((payload, false))
            start += size
        }
    }
}
