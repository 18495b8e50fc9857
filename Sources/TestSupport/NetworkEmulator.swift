import RTCBase

/// A seeded, in-process datagram network on virtual time, for engine tests: each sending host has
/// its own link conditions (loss, fixed delay, jitter, reordering, duplication), and a host may sit
/// behind a NAT whose mapping changes at a given instant (rebinding).
///
/// Datagrams are scheduled on the virtual clock when sent and handed out in delivery order by
/// `receive(at:)`; equal delivery times keep sending order. All randomness comes from one
/// `SeededGenerator`, drawn only for conditions that need it, so a test repeats exactly as long as
/// its engines send the same datagrams in the same order.
public struct NetworkEmulator: Sendable {
    /// What happens to datagrams one host sends.
    public struct LinkConditions: Sendable, Equatable {
        /// Probability (0...1) that a datagram is lost.
        public var loss: Double
        /// Delay every datagram takes.
        public var delay: Duration
        /// Extra delay, uniform in 0...jitter, for the datagrams `reorder` selects: datagrams sent
        /// closer together than this can overtake each other.
        public var jitter: Duration
        /// Probability (0...1) that a datagram gets the jitter (1: all of them); the others take the
        /// fixed delay only and overtake the held-back ones.
        public var reorder: Double
        /// Probability (0...1) that a delivered datagram arrives a second time (its own delay drawn).
        public var duplication: Double

        public init(loss: Double = 0, delay: Duration = .zero, jitter: Duration = .zero, reorder: Double = 1,
                    duplication: Double = 0) {
            self.loss = loss
            self.delay = delay
            self.jitter = jitter
            self.reorder = reorder
            self.duplication = duplication
        }

        /// No loss, no delay.
        public static let perfect = LinkConditions()
    }

    public struct Datagram: Sendable, Equatable {
        public var bytes: [UInt8]
        /// The source as the receiver sees it (after NAT).
        public var source: TransportAddress
        public var destination: TransportAddress
    }

    public enum Fate: Sendable, Equatable {
        /// Handed to the host at the destination.
        case delivered
        /// Lost on the link (`LinkConditions.loss`).
        case lost
        /// Nobody there: an address no host has, or a NAT mapping that no longer exists.
        case unreachable
    }

    /// One datagram's journey, kept when `log` is on.
    public struct Record: Sendable, Equatable {
        public var datagram: Datagram
        public var sentAt: Instant
        /// When it was delivered, lost (the send time) or found unreachable.
        public var at: Instant
        public var fate: Fate
        /// The extra copy made by `LinkConditions.duplication`.
        public var isDuplicate: Bool
    }

    public struct Counters: Sendable, Equatable {
        public var sent = 0
        public var delivered = 0
        public var lost = 0
        public var duplicated = 0
        public var unreachable = 0
        public init() {}
    }

    /// A NAT mapping that starts at `since`: the inside host's datagrams leave from `publicAddress`.
    struct Mapping: Sendable {
        var since: Instant
        var publicAddress: TransportAddress
    }

    struct InFlight: Sendable {
        var datagram: Datagram
        var sentAt: Instant
        var deliverAt: Instant
        var order: UInt64
        var isDuplicate: Bool
    }

    public private(set) var counters = Counters()
    /// Every datagram's fate in order, when not nil (set it to `[]` to start recording).
    public var log: [Record]?
    private var links: [TransportAddress: LinkConditions] = [:]
    private var hosts: Set<TransportAddress> = []
    /// Per inside address, ascending by `since`.
    private var mappings: [TransportAddress: [Mapping]] = [:]
    /// Ascending by (deliverAt, order).
    private var inFlight: [InFlight] = []
    private var nextOrder: UInt64 = 0
    private var generator: SeededGenerator

    public init(seed: UInt64) {
        generator = SeededGenerator(seed: seed)
    }

    /// Restarts the randomness from `seed`: a scenario that sets its conditions after a handshake
    /// (whose datagram count depends on OpenSSL's real-time retransmit clock) repeats exactly.
    public mutating func reseed(_ seed: UInt64) {
        generator = SeededGenerator(seed: seed)
    }

    // MARK: Topology

    /// A host listening at `address` (its own, inside address when it is behind a NAT).
    public mutating func attach(_ address: TransportAddress) {
        hosts.insert(address)
    }

    /// Conditions for every datagram the host at `sender` (its inside address) sends from now on.
    public mutating func setConditions(_ conditions: LinkConditions, from sender: TransportAddress) {
        links[sender] = conditions
    }

    public func conditions(from sender: TransportAddress) -> LinkConditions { links[sender] ?? .perfect }

    /// NAT rebinding: from `instant` on, datagrams from the host at `inside` leave from
    /// `publicAddress`, and datagrams to its earlier public addresses (its own address included)
    /// are lost.
    public mutating func rebind(_ inside: TransportAddress, to publicAddress: TransportAddress, at instant: Instant) {
        mappings[inside, default: []].append(Mapping(since: instant, publicAddress: publicAddress))
        mappings[inside]?.sort { $0.since < $1.since }
    }

    /// Where the host at `inside` appears to come from at `instant`.
    public func publicAddress(of inside: TransportAddress, at instant: Instant) -> TransportAddress {
        mappings[inside]?.last { $0.since <= instant }?.publicAddress ?? inside
    }

    // MARK: Sending and receiving

    /// Puts a datagram on the network at `now`; the source is the sender's own address (a NAT in
    /// front of it rewrites it). A source no host has (a spoofed one) stays as it is.
    public mutating func send(_ bytes: [UInt8], from source: TransportAddress, to destination: TransportAddress,
                              at now: Instant) {
        counters.sent += 1
        let link = conditions(from: source)
        let datagram = Datagram(bytes: bytes, source: publicAddress(of: source, at: now), destination: destination)
        if chance(link.loss) {
            counters.lost += 1
            log?.append(Record(datagram: datagram, sentAt: now, at: now, fate: .lost, isDuplicate: false))
            return
        }
        schedule(datagram, sentAt: now, link: link, isDuplicate: false)
        if chance(link.duplication) {
            counters.duplicated += 1
            schedule(datagram, sentAt: now, link: link, isDuplicate: true)
        }
    }

    /// When the next datagram arrives somewhere, nil when none is in flight.
    public var nextDelivery: Instant? { inFlight.first?.deliverAt }

    /// Datagrams still in flight.
    public var inFlightCount: Int { inFlight.count }

    /// The next datagram due at `now` and the host (its inside address) it reaches; datagrams due
    /// that reach nobody are counted, logged and skipped. Nil when nothing more is due.
    public mutating func receive(at now: Instant) -> (datagram: Datagram, host: TransportAddress)? {
        while let first = inFlight.first, first.deliverAt <= now {
            inFlight.removeFirst()
            guard let host = host(for: first.datagram.destination, at: now) else {
                counters.unreachable += 1
                log?.append(Record(datagram: first.datagram, sentAt: first.sentAt, at: now, fate: .unreachable,
                                   isDuplicate: first.isDuplicate))
                continue
            }
            counters.delivered += 1
            log?.append(Record(datagram: first.datagram, sentAt: first.sentAt, at: now, fate: .delivered,
                               isDuplicate: first.isDuplicate))
            return (first.datagram, host)
        }
        return nil
    }

    /// The inside address behind `destination` at `now`: the host whose current public address it
    /// is, nobody when it is a mapping that has moved on, else a host listening there.
    func host(for destination: TransportAddress, at now: Instant) -> TransportAddress? {
        var stale = false
        for (inside, list) in mappings {
            if publicAddress(of: inside, at: now) == destination { return inside }
            if destination == inside || list.contains(where: { $0.publicAddress == destination }) { stale = true }
        }
        return !stale && hosts.contains(destination) ? destination : nil
    }

    private mutating func schedule(_ datagram: Datagram, sentAt: Instant, link: LinkConditions, isDuplicate: Bool) {
        var delay = link.delay
        if link.jitter > .zero, chance(link.reorder) {
            let range = UInt64(clamping: link.jitter.nanosecondsClamped)
            delay += .nanoseconds(Int64(clamping: UInt64.random(in: 0...range, using: &generator)))
        }
        let entry = InFlight(datagram: datagram, sentAt: sentAt, deliverAt: sentAt + delay, order: nextOrder,
                             isDuplicate: isDuplicate)
        nextOrder += 1
        // After every entry due at or before this one: equal times keep sending order.
        var low = 0
        var high = inFlight.count
        while low < high {
            let middle = (low + high) / 2
            if inFlight[middle].deliverAt <= entry.deliverAt { low = middle + 1 } else { high = middle }
        }
        inFlight.insert(entry, at: low)
    }

    /// True with probability `probability`; draws from the generator only when it is strictly
    /// between 0 and 1.
    private mutating func chance(_ probability: Double) -> Bool {
        if probability <= 0 { return false }
        if probability >= 1 { return true }
        return Double.random(in: 0..<1, using: &generator) < probability
    }
}
