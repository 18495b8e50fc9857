/// RTP payload for redundant audio data (RFC 2198 §3): block headers, then the redundant blocks
/// (oldest first), then the primary block. A redundant header is 4 bytes: F=1, block payload type
/// (7 bits), timestamp offset (14 bits, primary timestamp minus the block's) and block length
/// (10 bits); the primary's header is 1 byte: F=0 and its payload type.
public struct REDPayload: Sendable, Equatable {
    public struct Block: Sendable, Equatable {
        public var payloadType: UInt8
        /// How far before the packet's timestamp the block's data lies (0 for the primary).
        public var timestampOffset: UInt16
        public var data: [UInt8]
        public init(payloadType: UInt8, timestampOffset: UInt16, data: [UInt8]) {
            self.payloadType = payloadType
            self.timestampOffset = timestampOffset
            self.data = data
        }
    }

    public enum ParseError: Error, Equatable {
        case truncatedHeader, tooManyBlocks, blocksExceedPayload
    }

    /// Largest timestamp offset a redundant header can carry (14 bits).
    public static let maxTimestampOffset = (1 << 14) - 1
    /// Largest redundant block a header can describe (10 bits).
    public static let maxBlockLength = (1 << 10) - 1

    /// Redundant blocks, oldest first.
    public var redundant: [Block]
    public var primary: Block

    public init(redundant: [Block], primary: Block) {
        self.redundant = redundant
        self.primary = primary
    }

    /// Parses a RED payload with at most `maxBlocks` blocks (primary included). Never traps.
    public init(parsing bytes: some Collection<UInt8>, maxBlocks: Int = 16) throws(ParseError) {
        let bytes = Array(bytes)
        var headers: [(payloadType: UInt8, offset: UInt16, length: Int)] = []
        var index = 0
        while true {
            guard index < bytes.count else { throw .truncatedHeader }
            let first = bytes[index]
            guard headers.count < max(maxBlocks, 1) - 1 || first & 0x80 == 0 else { throw .tooManyBlocks }
            if first & 0x80 == 0 {
                index += 1
                var offset = index
                var redundant: [Block] = []
                for header in headers {
                    guard bytes.count - offset >= header.length else { throw .blocksExceedPayload }
                    redundant.append(Block(payloadType: header.payloadType, timestampOffset: header.offset,
                                           data: Array(bytes[offset..<(offset + header.length)])))
                    offset += header.length
                }
                self.redundant = redundant
                primary = Block(payloadType: first & 0x7f, timestampOffset: 0, data: Array(bytes[offset...]))
                return
            }
            guard bytes.count - index >= 4 else { throw .truncatedHeader }
            let offset = UInt16(bytes[index + 1]) << 6 | UInt16(bytes[index + 2] >> 2)
            let length = Int(bytes[index + 2] & 0x03) << 8 | Int(bytes[index + 3])
            headers.append((first & 0x7f, offset, length))
            index += 4
        }
    }

    /// The payload bytes. Redundant blocks that a header cannot describe (offset or length out of
    /// range) are left out.
    public func serialized() -> [UInt8] {
        let kept = redundant.filter { Int($0.timestampOffset) <= Self.maxTimestampOffset && $0.data.count <= Self.maxBlockLength }
        var out: [UInt8] = []
        out.reserveCapacity(1 + 4 * kept.count + kept.reduce(primary.data.count) { $0 + $1.data.count })
        for block in kept {
            out.append(0x80 | block.payloadType & 0x7f)
            out.append(UInt8(truncatingIfNeeded: block.timestampOffset >> 6))
            out.append(UInt8(truncatingIfNeeded: block.timestampOffset << 2) | UInt8(truncatingIfNeeded: block.data.count >> 8))
            out.append(UInt8(truncatingIfNeeded: block.data.count))
        }
        out.append(primary.payloadType & 0x7f)
        for block in kept { out.append(contentsOf: block.data) }
        out.append(contentsOf: primary.data)
        return out
    }
}

/// Wraps one Opus stream in RED with one redundant block of distance 1 (RFC 2198, as WebRTC's
/// `red/48000/2`): each packet carries the previous packet's payload too, so a single loss is
/// repaired from the next packet. No redundancy after a gap in sequence numbers, a timestamp step
/// a header cannot carry, or a previous payload over `maxRedundantBytes`.
public struct REDEncoder: Sendable {
    public let redPayloadType: UInt8
    /// Largest previous payload repeated (at most RFC 2198's 1023 bytes).
    public let maxRedundantBytes: Int
    private var previous: (sequenceNumber: UInt16, timestamp: UInt32, payloadType: UInt8, data: [UInt8])?
    /// Packets sent with a redundant block, and without one.
    public private(set) var withRedundancy = 0
    public private(set) var withoutRedundancy = 0

    public init(redPayloadType: UInt8, maxRedundantBytes: Int = REDPayload.maxBlockLength) {
        self.redPayloadType = redPayloadType & 0x7f
        self.maxRedundantBytes = min(max(maxRedundantBytes, 0), REDPayload.maxBlockLength)
    }

    /// `packet` (an Opus packet, in order) as a RED packet with the same header but the RED
    /// payload type.
    public mutating func wrap(_ packet: RTPPacket) -> RTPPacket {
        var redundant: [REDPayload.Block] = []
        if let previous, previous.sequenceNumber &+ 1 == packet.sequenceNumber, previous.data.count <= maxRedundantBytes {
            let step = packet.timestamp &- previous.timestamp
            if step > 0, step <= UInt32(REDPayload.maxTimestampOffset) {
                redundant.append(REDPayload.Block(payloadType: previous.payloadType, timestampOffset: UInt16(step),
                                                  data: previous.data))
            }
        }
        if redundant.isEmpty { withoutRedundancy += 1 } else { withRedundancy += 1 }
        let data = Array(packet.payload)
        previous = (packet.sequenceNumber, packet.timestamp, packet.payloadType, data)
        let payload = REDPayload(redundant: redundant, primary: REDPayload.Block(payloadType: packet.payloadType,
                                                                                timestampOffset: 0, data: data))
        return RTPPacket(payloadType: redPayloadType, sequenceNumber: packet.sequenceNumber, timestamp: packet.timestamp,
                         ssrc: packet.ssrc, marker: packet.marker, payload: payload.serialized(), csrcs: packet.csrcs,
                         headerExtension: packet.headerExtension)
    }
}
