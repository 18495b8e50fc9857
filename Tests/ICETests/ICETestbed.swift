import ICE
import RTCBase
import STUN

/// A NAT in front of one private host: endpoint-independent mapping (one public port per inside
/// address) or address-dependent mapping (one per destination IP), both with address-dependent
/// filtering (a public port accepts only IPs the inside host has sent to through it).
struct EmulatedNAT {
    enum Mapping { case endpointIndependent, addressDependent }

    struct Binding {
        var inside: TransportAddress
        var allowed: Set<[UInt8]>
    }

    let publicIP: [UInt8]
    let mapping: Mapping
    var nextPort: UInt16 = 40_000
    var ports: [String: UInt16] = [:]
    var bindings: [UInt16: Binding] = [:]

    init(publicIP: [UInt8], mapping: Mapping) {
        self.publicIP = publicIP
        self.mapping = mapping
    }

    mutating func outbound(from inside: TransportAddress, to destination: TransportAddress) -> TransportAddress {
        let key = mapping == .endpointIndependent ? "\(inside)" : "\(inside)>\(destination.host)"
        let port: UInt16
        if let known = ports[key] {
            port = known
        } else {
            port = nextPort
            nextPort += 1
            ports[key] = port
            bindings[port] = Binding(inside: inside, allowed: [])
        }
        bindings[port]?.allowed.insert(destination.ip)
        return TransportAddress(ip: publicIP, port: port) ?? inside
    }

    func inbound(to destination: TransportAddress, from source: TransportAddress) -> TransportAddress? {
        guard destination.ip == publicIP, let binding = bindings[destination.port],
              binding.allowed.contains(source.ip) else { return nil }
        return binding.inside
    }
}

/// Either agent kind on the testbed.
enum TestEngine {
    case full(ICEAgent)
    case lite(ICELiteAgent)
}

/// One peer: its engine, host addresses, NAT, and what it reported.
struct TestPeer {
    var engine: TestEngine
    var hosts: [TransportAddress]
    var nat: EmulatedNAT?
    var deadline: Instant = .zero
    var events: [(at: Instant, event: ICEAgentEvent)] = []
    var liteEvents: [(at: Instant, event: ICEEvent)] = []
    /// Drop everything this peer sends (a partition).
    var silenced = false

    var agent: ICEAgent {
        get {
            guard case .full(let agent) = engine else { preconditionFailure("not a full agent") }
            return agent
        }
        set { engine = .full(newValue) }
    }

    func firstTime(of match: (ICEAgentEvent) -> Bool) -> Instant? {
        events.first { match($0.event) }?.at
    }
}

/// An in-process network on virtual time: fixed one-way delay, seeded loss, NATs, and a STUN
/// server that answers Binding requests with the source it saw. Deterministic.
struct ICETestbed {
    struct InFlight {
        var deliverAt: Instant
        var order: Int
        var bytes: [UInt8]
        var source: TransportAddress
        var destination: TransportAddress
    }

    var now: Instant
    var peers: [TestPeer] = []
    var delay: Duration = .milliseconds(5)
    var loss = 0.0
    var stunServer = TransportAddress(ip: [198, 51, 100, 100], port: 3478)!
    var queue: [InFlight] = []
    var order = 0
    var random = SeededBytes(seed: 0x1ce)
    var delivered = 0
    var lost = 0
    /// Relayed addresses (as a TURN server holds them) and the peer each belongs to: datagrams to
    /// one reach that peer on that base, and the peer's datagrams from it leave from it (no NAT in
    /// between, as through its TURN client).
    var relays: [TransportAddress: Int] = [:]

    init(now: Instant) { self.now = now }

    mutating func add(_ peer: TestPeer) -> Int {
        peers.append(peer)
        return peers.count - 1
    }

    // MARK: sending

    mutating func send(_ bytes: [UInt8], from base: TransportAddress, to destination: TransportAddress, peer: Int) {
        guard !peers[peer].silenced else { return }
        if loss > 0, Double(random.next()) / 256 < loss {
            lost += 1
            return
        }
        var source = base
        if peers[peer].nat != nil, relays[base] != peer {
            source = peers[peer].nat?.outbound(from: base, to: destination) ?? base
        }
        enqueue(bytes, from: source, to: destination)
    }

    mutating func enqueue(_ bytes: [UInt8], from source: TransportAddress, to destination: TransportAddress) {
        let entry = InFlight(deliverAt: now + delay, order: order, bytes: bytes, source: source, destination: destination)
        order += 1
        let index = queue.firstIndex { $0.deliverAt > entry.deliverAt } ?? queue.endIndex
        queue.insert(entry, at: index)
    }

    /// The next output of a peer's engine; a lite agent's transmits leave from its first host and
    /// its events are recorded on the way.
    mutating func nextOutput(_ index: Int) -> ICEAgentOutput {
        for _ in 0..<10_000 {
            switch peers[index].engine {
            case .full(var agent):
                let output = agent.poll()
                peers[index].engine = .full(agent)
                return output
            case .lite(var agent):
                let output = agent.poll()
                peers[index].engine = .lite(agent)
                switch output {
                case .transmit(let bytes, let to): return .transmit(bytes, from: peers[index].hosts[0], to: to)
                case .event(let event): peers[index].liteEvents.append((now, event))
                case .timeout(let deadline): return .timeout(deadline)
                }
            }
        }
        return .timeout(.distantFuture)
    }

    mutating func drain(_ index: Int) {
        var outputs: [ICEAgentOutput] = []
        while true {
            let output = nextOutput(index)
            if case .timeout(let deadline) = output {
                peers[index].deadline = deadline
                break
            }
            outputs.append(output)
        }
        for output in outputs {
            switch output {
            case .transmit(let bytes, let from, let to): send(bytes, from: from, to: to, peer: index)
            case .event(let event): peers[index].events.append((now, event))
            case .timeout: break
            }
        }
    }

    mutating func drainAll() {
        for index in peers.indices { drain(index) }
    }

    // MARK: delivery

    /// Hands a datagram to the peer owning its destination (through its NAT), or answers it as
    /// the STUN server.
    mutating func deliver(_ datagram: InFlight) {
        if datagram.destination == stunServer {
            guard let request = try? STUNMessage(parsing: datagram.bytes), request.type == .bindingRequest else { return }
            let response = STUNMessage(type: .bindingSuccess, transactionID: request.transactionID,
                                       attributes: [.xorMappedAddress(datagram.source)])
            if let bytes = try? response.encoded(addFingerprint: true) {
                enqueue(bytes, from: stunServer, to: datagram.source)
            }
            return
        }
        for index in peers.indices {
            var inside: TransportAddress?
            if relays[datagram.destination] == index {
                inside = datagram.destination
            } else if let nat = peers[index].nat {
                inside = nat.inbound(to: datagram.destination, from: datagram.source)
            } else if peers[index].hosts.contains(datagram.destination) {
                inside = datagram.destination
            }
            guard let base = inside else { continue }
            delivered += 1
            switch peers[index].engine {
            case .full(var agent):
                agent.handleSTUN(datagram.bytes[...], from: datagram.source, to: base, now: now)
                peers[index].engine = .full(agent)
            case .lite(var agent):
                agent.handleSTUN(datagram.bytes[...], from: datagram.source, now: now)
                peers[index].engine = .lite(agent)
            }
            drain(index)
            return
        }
    }

    /// Runs virtual time forward until `done` holds or `limit` has passed; true when `done` held.
    /// Bounded: at most 200 000 steps.
    @discardableResult
    mutating func run(for limit: Duration, until done: (ICETestbed) -> Bool = { _ in false }) -> Bool {
        let end = now + limit
        drainAll()
        for _ in 0..<200_000 {
            if done(self) { return true }
            var next = queue.first?.deliverAt ?? .distantFuture
            for peer in peers { next = min(next, peer.deadline) }
            guard next <= end else {
                now = end
                return done(self)
            }
            now = max(now, next)
            while let first = queue.first, first.deliverAt <= now {
                queue.removeFirst()
                deliver(first)
            }
            for index in peers.indices where peers[index].deadline <= now {
                switch peers[index].engine {
                case .full(var agent):
                    agent.handleTimeout(now: now)
                    peers[index].engine = .full(agent)
                case .lite(var agent):
                    agent.handleTimeout(now: now)
                    peers[index].engine = .lite(agent)
                }
                drain(index)
            }
        }
        return done(self)
    }
}

/// Virtual time: seconds since an arbitrary epoch of 1000 s.
func host(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, port: UInt16) -> TransportAddress {
    TransportAddress(ip: [a, b, c, d], port: port) ?? address(1)
}
