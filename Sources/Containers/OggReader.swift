/// One packet reassembled from Ogg pages (RFC 3533 §5).
public struct OggPacket: Sendable, Equatable {
    public var data: [UInt8]
    public var serialNumber: UInt32
    /// Granule position of the page this packet completes on, when it is the last packet
    /// completed there (RFC 3533 §6); nil otherwise.
    public var granulePosition: Int64?
    /// True for packets on a beginning-of-stream page.
    public var isBeginningOfStream: Bool
    /// True for the last packet of an end-of-stream page.
    public var isEndOfStream: Bool
}

/// Reads packets of one logical bitstream from an Ogg file (RFC 3533): checks every page's
/// CRC, follows lacing across pages, and drops (and counts) packets broken by a missing page.
/// Pages of other logical streams are skipped. The whole file is in memory.
public struct OggReader: Sendable {
    public struct Limits: Sendable, Equatable {
        /// Largest packet (e.g. an OpusTags packet with cover art). Default 1 MiB.
        public var maxPacketBytes: Int
        public init(maxPacketBytes: Int = 1 << 20) { self.maxPacketBytes = maxPacketBytes }
    }

    public let limits: Limits
    /// The logical stream being read: the first page's serial number, unless given.
    public private(set) var serialNumber: UInt32?
    /// Packets lost because a page was missing or the stream ended mid-packet.
    public private(set) var droppedPackets = 0

    private let bytes: [UInt8]
    private var offset = 0
    private var page: OggPage?
    private var lacingIndex = 0
    private var bodyOffset = 0
    private var lastCompletingIndex = -1
    private var lastSequenceNumber: UInt32?
    private var partial: [UInt8] = []
    private var skippingContinuation = false

    public init(_ bytes: [UInt8], serialNumber: UInt32? = nil, limits: Limits = Limits()) {
        self.bytes = bytes
        self.serialNumber = serialNumber
        self.limits = limits
    }

    /// The next page of the selected logical stream, or nil at the end of the file. Reading pages
    /// directly bypasses packet reassembly; do not mix with `nextPacket()`.
    public mutating func nextPage() throws(ContainerError) -> OggPage? {
        while offset < bytes.count {
            let page = try OggPage(parsing: bytes[offset...])
            offset += page.size
            if serialNumber == nil { serialNumber = page.serialNumber }
            if page.serialNumber == serialNumber { return page }
        }
        return nil
    }

    /// The next complete packet, or nil at the end of the file.
    public mutating func nextPacket() throws(ContainerError) -> OggPacket? {
        while true {
            if let page, lacingIndex < page.lacingValues.count {
                if let packet = try continuePacket(on: page) { return packet }
                continue
            }
            guard let next = try nextPage() else {
                if !partial.isEmpty || skippingContinuation { droppedPackets += 1 }
                partial = []
                page = nil
                return nil
            }
            load(next)
        }
    }

    private mutating func load(_ next: OggPage) {
        let inSequence = lastSequenceNumber.map { next.sequenceNumber == $0 &+ 1 } ?? true
        lastSequenceNumber = next.sequenceNumber
        if !partial.isEmpty && (!next.isContinuation || !inSequence) {
            droppedPackets += 1          // the rest of that packet is gone
            partial = []
        }
        // A continuation we have no start for (first page, or after a lost page) is skipped.
        skippingContinuation = next.isContinuation && partial.isEmpty
        page = next
        lacingIndex = 0
        lastCompletingIndex = next.lacingValues.lastIndex { $0 < 255 } ?? -1
        bodyOffset = next.body.startIndex
    }

    /// Consumes lacing values of the current page up to the end of one packet.
    private mutating func continuePacket(on page: OggPage) throws(ContainerError) -> OggPacket? {
        while lacingIndex < page.lacingValues.count {
            let value = Int(page.lacingValues[lacingIndex])
            let segment = page.body[bodyOffset..<(bodyOffset + value)]
            bodyOffset += value
            let index = lacingIndex
            lacingIndex += 1
            if skippingContinuation {
                if value < 255 { skippingContinuation = false; droppedPackets += 1 }
                continue
            }
            guard segment.count <= limits.maxPacketBytes - partial.count else {
                throw .limitExceeded(field: "Ogg packet size", value: partial.count + segment.count,
                                     limit: limits.maxPacketBytes)
            }
            partial.append(contentsOf: segment)
            if value < 255 {
                let isLast = index == lastCompletingIndex
                let packet = OggPacket(data: partial, serialNumber: page.serialNumber,
                                       granulePosition: isLast ? page.granulePosition : nil,
                                       isBeginningOfStream: page.isBeginningOfStream,
                                       isEndOfStream: page.isEndOfStream && isLast)
                partial = []
                return packet
            }
        }
        return nil
    }
}
