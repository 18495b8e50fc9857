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
    // The hot methods are @inlinable so that callers in other modules (a WebRTC session's
    // history of `SentPacket`s) get a specialized copy instead of generic code that looks up type
    // metadata per packet.
    @usableFromInline struct Slot: Sendable {
        @usableFromInline var sequenceNumber: UInt16
        @usableFromInline var serial: UInt64
        @usableFromInline var packet: Packet
        @usableFromInline init(sequenceNumber: UInt16, serial: UInt64, packet: Packet) {
            self.sequenceNumber = sequenceNumber
            self.serial = serial
            self.packet = packet
        }
    }

    @usableFromInline struct Stored: Sendable {
        @usableFromInline var serial: UInt64
        @usableFromInline var slot: Int
        @usableFromInline init(serial: UInt64, slot: Int) {
            self.serial = serial
            self.slot = slot
        }
    }

    /// Most packets kept (1...32768).
    public let capacity: Int
    /// Most bytes kept across all stored packets.
    public let maxBytes: Int
    /// Packets currently stored.
    public var count: Int { storedCount }
    /// Bytes currently stored.
    public var byteCount: Int { storedBytes }
    @usableFromInline var storedCount = 0
    @usableFromInline var storedBytes = 0

    /// Indexed by `sequenceNumber & mask`; a power of two at least `capacity`, dividing 2^16.
    @usableFromInline var slots: [Slot?]
    @usableFromInline let mask: Int
    /// Insertion order as a ring: `order[(orderStart + i) % capacity]`, oldest first. Entries
    /// whose slot was overwritten since are stale and skipped on eviction.
    @usableFromInline var order: [Stored]
    @usableFromInline var orderStart = 0
    @usableFromInline var orderCount = 0
    @usableFromInline var nextSerial: UInt64 = 0

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
    @inlinable
    public mutating func store(sequenceNumber: UInt16, packet: Packet) {
        let index = Int(sequenceNumber) & mask
        if let old = slots[index] {
            storedBytes -= old.packet.historyByteCount
            storedCount -= 1
            slots[index] = nil
        }
        guard packet.historyByteCount <= maxBytes else { return }
        while orderCount > 0 && (orderCount == capacity || storedBytes + packet.historyByteCount > maxBytes) {
            evictOldest()
        }
        let serial = nextSerial
        nextSerial &+= 1
        slots[index] = Slot(sequenceNumber: sequenceNumber, serial: serial, packet: packet)
        storedBytes += packet.historyByteCount
        storedCount += 1
        order[(orderStart + orderCount) % capacity] = Stored(serial: serial, slot: index)
        orderCount += 1
    }

    /// The packet stored for `sequenceNumber`, if it is still in the history.
    @inlinable
    public func packet(for sequenceNumber: UInt16) -> Packet? {
        guard let slot = slots[Int(sequenceNumber) & mask], slot.sequenceNumber == sequenceNumber else { return nil }
        return slot.packet
    }

    /// Forgets every packet (e.g. after an SSRC change).
    public mutating func removeAll() {
        for index in slots.indices { slots[index] = nil }
        orderStart = 0
        orderCount = 0
        storedCount = 0
        storedBytes = 0
    }

    @inlinable
    mutating func evictOldest() {
        let oldest = order[orderStart]
        orderStart = (orderStart + 1) % capacity
        orderCount -= 1
        if let slot = slots[oldest.slot], slot.serial == oldest.serial {
            storedBytes -= slot.packet.historyByteCount
            storedCount -= 1
            slots[oldest.slot] = nil
        }
    }
}
