/// What a send history can hold: raw packet bytes, or a description of a sent packet that
/// shares its payload with the source (no copy per viewer).
public protocol RTPHistoryEntry: Sendable {
    /// Bytes the entry accounts for against the history's byte budget.
    var historyByteCount: Int { get }
}

extension Array: RTPHistoryEntry where Element == UInt8 {
    public var historyByteCount: Int { count }
}

/// The last N outgoing RTP packets of one SSRC, keyed by sequence number, so NACKed packets
/// (RFC 4585 §6.2.1) can be sent again. Bounded by packet count and by total bytes; the oldest
/// packets are evicted first. Store and lookup are O(1) (eviction amortized O(1)).
public struct RTPSendHistory<Packet: RTPHistoryEntry>: Sendable {
    private struct Slot: Sendable {
        var sequenceNumber: UInt16
        var serial: UInt64
        var packet: Packet
    }

    private struct Stored: Sendable {
        var serial: UInt64
        var slot: Int
    }

    /// Most packets kept (1...32768).
    public let capacity: Int
    /// Most bytes kept across all stored packets.
    public let maxBytes: Int
    /// Packets currently stored.
    public private(set) var count = 0
    /// Bytes currently stored.
    public private(set) var byteCount = 0

    /// Indexed by `sequenceNumber & mask`; a power of two at least `capacity`, dividing 2^16.
    private var slots: [Slot?]
    private let mask: Int
    /// Insertion order as a ring: `order[(orderStart + i) % capacity]`, oldest first. Entries
    /// whose slot was overwritten since are stale and skipped on eviction.
    private var order: [Stored]
    private var orderStart = 0
    private var orderCount = 0
    private var nextSerial: UInt64 = 0

    public init(capacity: Int = 1024, maxBytes: Int = 4 * 1024 * 1024) {
        let capacity = min(max(capacity, 1), 32_768)
        self.capacity = capacity
        self.maxBytes = max(maxBytes, 0)
        var size = 1
        while size < capacity { size <<= 1 }
        mask = size - 1
        slots = Array(repeating: nil, count: size)
        order = Array(repeating: Stored(serial: 0, slot: 0), count: capacity)
    }

    /// Stores `packet` as the one sent with `sequenceNumber`, replacing an older packet with
    /// the same number. A packet larger than `maxBytes` is not kept.
    public mutating func store(sequenceNumber: UInt16, packet: Packet) {
        let index = Int(sequenceNumber) & mask
        if let old = slots[index] {
            byteCount -= old.packet.historyByteCount
            count -= 1
            slots[index] = nil
        }
        guard packet.historyByteCount <= maxBytes else { return }
        while orderCount > 0 && (orderCount == capacity || byteCount + packet.historyByteCount > maxBytes) {
            evictOldest()
        }
        let serial = nextSerial
        nextSerial &+= 1
        slots[index] = Slot(sequenceNumber: sequenceNumber, serial: serial, packet: packet)
        byteCount += packet.historyByteCount
        count += 1
        order[(orderStart + orderCount) % capacity] = Stored(serial: serial, slot: index)
        orderCount += 1
    }

    /// The packet stored for `sequenceNumber`, if it is still in the history.
    public func packet(for sequenceNumber: UInt16) -> Packet? {
        guard let slot = slots[Int(sequenceNumber) & mask], slot.sequenceNumber == sequenceNumber else { return nil }
        return slot.packet
    }

    /// Forgets every packet (e.g. after an SSRC change).
    public mutating func removeAll() {
        for index in slots.indices { slots[index] = nil }
        orderStart = 0
        orderCount = 0
        count = 0
        byteCount = 0
    }

    private mutating func evictOldest() {
        let oldest = order[orderStart]
        orderStart = (orderStart + 1) % capacity
        orderCount -= 1
        if let slot = slots[oldest.slot], slot.serial == oldest.serial {
            byteCount -= slot.packet.historyByteCount
            count -= 1
            slots[oldest.slot] = nil
        }
    }
}
