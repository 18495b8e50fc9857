import RTCBase

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
///
/// With a `retention`, the table starts small and doubles (up to `capacity`) whenever storing
/// would evict a packet younger than that: it holds about `retention` of the stream at its
/// actual rate, as libwebrtc's sender history keeps at least 1 s, instead of `capacity` packets
/// for every stream whatever its rate.
public struct RTPSendHistory<Packet: RTPHistoryEntry>: Sendable {
    // The hot methods are @inlinable so that callers in other modules (a WebRTC session's
    // history of `SentPacket`s) get a specialized copy instead of generic code that looks up type
    // metadata per packet.

    // Slot and Stored are laid out small (the packet first, 32-bit serials) because a history is
    // allocated per outbound SSRC of every session: for a viewer's `SentPacket` a slot is 48 bytes
    // and an order entry 8. Serials are compared for equality only, and every live one is within
    // `capacity` stores of the newest, so wrapping at 2^32 cannot alias two of them. Store times
    // are 16-bit ticks of 2^24 ns (16.8 ms) compared by wrapping difference: an entry older than
    // the 18-minute wrap could look young and let the table grow once, still within `capacity`.
    @usableFromInline struct Slot: Sendable {
        @usableFromInline var packet: Packet
        @usableFromInline var serial: UInt32
        @usableFromInline var sequenceNumber: UInt16
        @usableFromInline init(sequenceNumber: UInt16, serial: UInt32, packet: Packet) {
            self.packet = packet
            self.serial = serial
            self.sequenceNumber = sequenceNumber
        }
    }

    @usableFromInline struct Stored: Sendable {
        @usableFromInline var serial: UInt32
        @usableFromInline var slot: UInt16
        @usableFromInline var storedAtTick: UInt16
        @usableFromInline init(serial: UInt32, slot: Int, storedAtTick: UInt16) {
            self.serial = serial
            self.slot = UInt16(truncatingIfNeeded: slot)
            self.storedAtTick = storedAtTick
        }
    }

    /// A store time as the 16-bit tick it is kept in.
    @inlinable
    static func tick(_ instant: Instant) -> UInt16 { UInt16(truncatingIfNeeded: instant.nanoseconds >> 24) }

    /// Most packets kept (1...32768).
    public let capacity: Int
    /// Most bytes kept across all stored packets.
    public let maxBytes: Int
    /// With a value (at most 9 minutes), packets younger than this are not evicted while the
    /// table can still grow.
    public let retention: Duration?
    @usableFromInline let retentionTicks: UInt16?
    /// Packets the table holds now: `capacity`, or with a `retention` what the rate needed so far.
    public private(set) var tableCapacity: Int
    /// Packets currently stored.
    public var count: Int { storedCount }
    /// Bytes currently stored.
    public var byteCount: Int { storedBytes }
    @usableFromInline var storedCount = 0
    @usableFromInline var storedBytes = 0

    /// Indexed by `sequenceNumber & mask`; a power of two at least `tableCapacity`, dividing 2^16.
    /// Empty (with `order`) until the first packet is stored: a stream that never sends costs nothing.
    @usableFromInline var slots: [Slot?] = []
    @usableFromInline var mask: Int
    /// Insertion order as a ring: `order[(orderStart + i) % tableCapacity]`, oldest first. Entries
    /// whose slot was overwritten since are stale and skipped on eviction.
    @usableFromInline var order: [Stored] = []
    @usableFromInline var orderStart = 0
    @usableFromInline var orderCount = 0
    @usableFromInline var nextSerial: UInt32 = 0

    /// Packets a history with a `retention` starts with.
    public static var initialTableCapacity: Int { 64 }

    public init(capacity: Int = 1024, maxBytes: Int = 4 * 1024 * 1024, retention: Duration? = nil) {
        let capacity = min(max(capacity, 1), 32_768)
        self.capacity = capacity
        self.maxBytes = max(maxBytes, 0)
        self.retention = retention
        retentionTicks = retention.map { retention in
            let ticks = (max(retention.nanosecondsClamped, 0) + (1 << 24) - 1) >> 24   // rounded up
            return UInt16(min(ticks, 1 << 15))
        }
        tableCapacity = retention == nil ? capacity : min(capacity, Self.initialTableCapacity)
        mask = Self.tableSize(tableCapacity) - 1
    }

    /// Stores `packet` as the one sent with `sequenceNumber` at `now`, replacing an older packet
    /// with the same number. A packet larger than `maxBytes` is not kept. `now` matters only
    /// with a `retention`.
    @inlinable
    public mutating func store(sequenceNumber: UInt16, packet: Packet, now: Instant = .zero) {
        if slots.isEmpty { allocate() }
        let nowTick = Self.tick(now)
        if orderCount == tableCapacity, tableCapacity < capacity, let retentionTicks,
           nowTick &- order[orderStart].storedAtTick < retentionTicks {
            grow()
        }
        let index = Int(sequenceNumber) & mask
        if let old = slots[index] {
            storedBytes -= old.packet.historyByteCount
            storedCount -= 1
            slots[index] = nil
        }
        guard packet.historyByteCount <= maxBytes else { return }
        while orderCount > 0 && (orderCount == tableCapacity || storedBytes + packet.historyByteCount > maxBytes) {
            evictOldest()
        }
        let serial = nextSerial
        nextSerial &+= 1
        slots[index] = Slot(sequenceNumber: sequenceNumber, serial: serial, packet: packet)
        storedBytes += packet.historyByteCount
        storedCount += 1
        order[(orderStart + orderCount) % tableCapacity] = Stored(serial: serial, slot: index, storedAtTick: nowTick)
        orderCount += 1
    }

    /// The packet stored for `sequenceNumber`, if it is still in the history.
    @inlinable
    public func packet(for sequenceNumber: UInt16) -> Packet? {
        guard !slots.isEmpty, let slot = slots[Int(sequenceNumber) & mask], slot.sequenceNumber == sequenceNumber else { return nil }
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
        orderStart = (orderStart + 1) % tableCapacity
        orderCount -= 1
        let index = Int(oldest.slot)
        if let slot = slots[index], slot.serial == oldest.serial {
            storedBytes -= slot.packet.historyByteCount
            storedCount -= 1
            slots[index] = nil
        }
    }

    @usableFromInline
    mutating func allocate() {
        slots = Array(repeating: nil, count: mask + 1)
        order = Array(repeating: Stored(serial: 0, slot: 0, storedAtTick: 0), count: tableCapacity)
    }

    /// Doubles the table (at most to `capacity`), keeping every live packet in order.
    @usableFromInline
    mutating func grow() {
        let newCapacity = min(capacity, tableCapacity * 2)
        let newMask = Self.tableSize(newCapacity) - 1
        var newSlots = [Slot?](repeating: nil, count: newMask + 1)
        var newOrder = [Stored](repeating: Stored(serial: 0, slot: 0, storedAtTick: 0), count: newCapacity)
        var kept = 0
        for offset in 0..<orderCount {
            let entry = order[(orderStart + offset) % tableCapacity]
            guard let slot = slots[Int(entry.slot)], slot.serial == entry.serial else { continue }
            // Live sequence numbers differ modulo the old table size, so also modulo the new one.
            let index = Int(slot.sequenceNumber) & newMask
            newSlots[index] = slot
            newOrder[kept] = Stored(serial: entry.serial, slot: index, storedAtTick: entry.storedAtTick)
            kept += 1
        }
        slots = newSlots
        order = newOrder
        orderStart = 0
        orderCount = kept
        tableCapacity = newCapacity
        mask = newMask
    }

    /// The power of two at least `capacity` (which is at most 2^15).
    static func tableSize(_ capacity: Int) -> Int {
        var size = 1
        while size < capacity { size <<= 1 }
        return size
    }
}
