import RTCBase

/// Source description, packet type 202 (RFC 3550 §6.5): per-SSRC chunks of typed text items.
public struct RTCPSourceDescription: Sendable, Equatable {
    /// SDES item type (RFC 3550 §6.5.1–6.5.8).
    public struct ItemType: RawRepresentable, Sendable, Hashable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let cname = ItemType(rawValue: 1)
        public static let name = ItemType(rawValue: 2)
        public static let email = ItemType(rawValue: 3)
        public static let phone = ItemType(rawValue: 4)
        public static let location = ItemType(rawValue: 5)
        public static let tool = ItemType(rawValue: 6)
        public static let note = ItemType(rawValue: 7)
        public static let privateExtension = ItemType(rawValue: 8)
    }

    public struct Item: Sendable, Equatable {
        public var type: ItemType
        /// UTF-8 text; invalid sequences from the wire are replaced. At most 255 bytes (whole
        /// scalars) are written.
        public var text: String
        public init(type: ItemType, text: String) { self.type = type; self.text = text }
    }

    public struct Chunk: Sendable, Equatable {
        public var ssrc: UInt32
        public var items: [Item]
        public init(ssrc: UInt32, items: [Item]) { self.ssrc = ssrc; self.items = items }
    }

    /// Chunks; more than 31 are split over several SDES packets.
    public var chunks: [Chunk]

    public init(chunks: [Chunk]) { self.chunks = chunks }

    /// One chunk with one CNAME item, the SDES every compound RTCP packet carries (§6.1).
    public init(cname: String, ssrc: UInt32) {
        self.init(chunks: [Chunk(ssrc: ssrc, items: [Item(type: .cname, text: cname)])])
    }

    /// The CNAME given for `ssrc`, if any.
    public func cname(for ssrc: UInt32) -> String? {
        chunks.first { $0.ssrc == ssrc }?.items.first { $0.type == .cname }?.text
    }

    static let packetType: UInt8 = 202

    static func parse(count: UInt8, body: ArraySlice<UInt8>, limits: RTCPLimits) throws(RTCPParseError) -> RTCPSourceDescription {
        let chunkCount = Int(count)
        guard chunkCount <= limits.maxSourceDescriptionChunks else {
            throw .limitExceeded(.sourceDescriptionChunks, cap: limits.maxSourceDescriptionChunks)
        }
        var reader = ByteReader(body)
        var chunks: [Chunk] = []
        chunks.reserveCapacity(chunkCount)
        for _ in 0..<chunkCount {
            var chunk = Chunk(ssrc: try reader.rtcpUInt32(), items: [])
            while true {
                let type = try reader.rtcpUInt8()
                if type == 0 {
                    // The null item ends the chunk; zeros pad to the next 32-bit boundary (lenient
                    // when the packet ends first).
                    let pad = (4 - reader.offset % 4) % 4
                    try reader.rtcpSkip(min(pad, reader.remaining))
                    break
                }
                guard chunk.items.count < limits.maxSourceDescriptionItems else {
                    throw .limitExceeded(.sourceDescriptionItems, cap: limits.maxSourceDescriptionItems)
                }
                let length = Int(try reader.rtcpUInt8())
                let text = try reader.rtcpBytes(length)
                chunk.items.append(Item(type: ItemType(rawValue: type), text: String(decoding: text, as: UTF8.self)))
            }
            chunks.append(chunk)
        }
        return RTCPSourceDescription(chunks: chunks)
    }

    func write(into out: inout [UInt8]) {
        var rest = chunks[...]
        repeat {
            let batch = rest.prefix(RTCPWriter.maxCount)
            rest = rest.dropFirst(RTCPWriter.maxCount)
            let start = RTCPWriter.beginPacket(&out, count: UInt8(batch.count), packetType: Self.packetType)
            for chunk in batch {
                out.appendUInt32(chunk.ssrc)
                for item in chunk.items where item.type.rawValue != 0 {
                    out.append(item.type.rawValue)
                    RTCPWriter.appendText(item.text, to: &out)
                }
                // Null item, then zeros to the next 32-bit boundary (at least one zero octet).
                out.append(0)
                out.append(contentsOf: repeatElement(0, count: (4 - (out.count - start) % 4) % 4))
            }
            RTCPWriter.finishPacket(&out, start: start)
        } while !rest.isEmpty
    }
}
