import Logging
import NIOCore
import NIOPosix
import RTCBase
import ICE
import Synchronization
import WebRTC

/// The one UDP port shared by every WebRTC session (default 8189), served by one socket per event
/// loop (SO_REUSEPORT), so sessions spread over every core. Each session is pinned to one socket's
/// loop. Datagrams are routed to a session by the ICE username (STUN) and then by source address
/// (DTLS, SRTP); the kernel may deliver a peer's datagrams to any of the sockets, so the routing
/// table is shared (under a lock, touched once per inbound datagram, never per outbound packet)
/// and a datagram that lands on another loop hops to its session's loop.
public final class WebRTCTransport: @unchecked Sendable {
    /// The loop that owns the WHIP/WHEP resource table (the first socket's).
    public let eventLoop: any EventLoop
    let logger: Logger
    let sockets: [WebRTCSocket]
    let routes = Mutex<RoutingTable>(RoutingTable())
    private let nextSocket = Atomic<Int>(0)
    private let unrouted = Atomic<Int>(0)
    /// The STUN client for the server-reflexive candidate and the ICE-TCP connections.
    let traversal = WebRTCTraversal()

    struct RoutingTable {
        var byUfrag: [String: WebRTCPeer] = [:]
        var byAddress: [TransportAddress: WebRTCPeer] = [:]
    }

    /// - Parameter eventLoops: one socket (and share of the sessions) per loop; at least one.
    public init(eventLoops: [any EventLoop], logger: Logger) {
        precondition(!eventLoops.isEmpty, "WebRTCTransport needs an event loop")
        self.sockets = eventLoops.map { WebRTCSocket(eventLoop: $0) }
        self.eventLoop = eventLoops[0]
        self.logger = logger
    }

    /// Bytes asked for as each socket's send buffer by default (SO_SNDBUF).
    public static let defaultSendBufferBytes = 4 << 20

    /// Binds one socket per loop on the same port, each with a send buffer of `sendBufferBytes`
    /// (logs what the kernel granted). Returns the bound port.
    public func bind(host: String, port: Int, sendBufferBytes: Int = defaultSendBufferBytes) async throws -> Int {
        var bound = port
        var granted = Int.max
        for socket in sockets {
            let result = try await socket.bind(host: host, port: bound, sendBufferBytes: sendBufferBytes, transport: self)
            bound = result.port
            granted = min(granted, result.sendBufferBytes)
        }
        let metadata: Logger.Metadata = ["requested": "\(sendBufferBytes)", "granted": "\(granted)"]
        if granted < sendBufferBytes {
            logger.warning("WebRTC UDP send buffer smaller than asked for (raise net.core.wmem_max)", metadata: metadata)
        } else {
            logger.info("WebRTC UDP send buffer", metadata: metadata)
        }
        return bound
    }

    public func close() async {
        stopServerReflexive()
        await closeTCP()
        for socket in sockets { await socket.close() }
    }

    /// Datagrams that matched no session (garbage, unknown ufrag, unvalidated address).
    public var unroutedDatagrams: Int { unrouted.load(ordering: .relaxed) }

    // MARK: Peers

    /// The socket (and loop) the next session is pinned to: round robin.
    func assignSocket() -> WebRTCSocket {
        let index = nextSocket.add(1, ordering: .relaxed).oldValue
        return sockets[index % sockets.count]
    }

    /// Makes the peer reachable and starts it. Call on the peer's loop.
    func register(_ peer: WebRTCPeer) {
        peer.eventLoop.preconditionInEventLoop()
        peer.socket.peers[ObjectIdentifier(peer)] = peer
        let ufrag = peer.session.localICECredentials.ufrag
        routes.withLock { $0.byUfrag[ufrag] = peer }
        peer.pump(now: RuntimeClock.now())
    }

    /// After an ICE restart the peer answers to its new ufrag only. Call on the peer's loop.
    func rekey(_ peer: WebRTCPeer, from oldUfrag: String) {
        peer.eventLoop.preconditionInEventLoop()
        let ufrag = peer.session.localICECredentials.ufrag
        routes.withLock { table in
            if table.byUfrag[oldUfrag] === peer { table.byUfrag[oldUfrag] = nil }
            table.byUfrag[ufrag] = peer
        }
    }

    /// Forgets the peer. Call on the peer's loop.
    func unregister(_ peer: WebRTCPeer) {
        peer.eventLoop.preconditionInEventLoop()
        let ufrag = peer.session.localICECredentials.ufrag
        let addresses = peer.addresses
        routes.withLock { table in
            if table.byUfrag[ufrag] === peer { table.byUfrag[ufrag] = nil }
            for address in addresses where table.byAddress[address] === peer { table.byAddress[address] = nil }
        }
        peer.socket.peers[ObjectIdentifier(peer)] = nil
        peer.socket.closedCounters.add(peer.session.counters)
        peer.socket.closedCountersByPath[peer.pathName, default: WebRTCCounters()].add(peer.session.counters)
        peer.socket.closedReaderDroppedUnits += peer.readerStats()?.dropped ?? 0
    }

    /// Routes DTLS and SRTP from `address` to the peer (ICE validated it), and stops routing the
    /// peer's addresses ICE no longer holds valid (aged out, evicted at the validation cap), so
    /// the table stays within ICE's cap per session. Call on the peer's loop.
    func learn(_ address: TransportAddress, for peer: WebRTCPeer) {
        let stale = peer.addresses.filter { !peer.session.isValidated($0) }
        let isNew = !peer.addresses.contains(address) && peer.session.isValidated(address)
        guard isNew || !stale.isEmpty else { return }
        peer.addresses.subtract(stale)
        if isNew { peer.addresses.insert(address) }
        routes.withLock { table in
            for old in stale where table.byAddress[old] === peer { table.byAddress[old] = nil }
            if isNew { table.byAddress[address] = peer }
        }
    }

    /// Routes STUN answers from the peer's signalled candidates to an offering (full-ICE) client
    /// before any check validated them: answers carry no USERNAME. The session still accepts
    /// only what its agent validates; `learn` drops them again once they are not. Peer's loop.
    func expectAnswers(from addresses: [TransportAddress], for peer: WebRTCPeer) {
        let fresh = addresses.filter { !peer.addresses.contains($0) }
        peer.addresses.formUnion(fresh)
        routes.withLock { table in
            for address in fresh where table.byAddress[address] == nil { table.byAddress[address] = peer }
        }
    }

    /// Addresses routed to sessions (for tests and stats).
    var routedAddressCount: Int { routes.withLock { $0.byAddress.count } }

    /// What `counters()` sums over the sockets.
    public struct Totals: Sendable {
        public var sessions = 0
        public var counters = WebRTCCounters()
        public var unrouted = 0
        /// Datagrams the kernel refused to send, and of those the ones dropped on a full buffer.
        public var sendErrors = 0
        public var bufferFullDrops = 0
    }

    /// Sums the counters of live and ended sessions (for /api/stats), loop by loop, and the
    /// datagrams the kernel refused to send (`sendErrors`, `bufferFullDrops`).
    public func counters() async -> Totals {
        var totals = Totals()
        for socket in sockets {
            let (count, sum, refused, full) = (try? await socket.eventLoop.submit { () -> (Int, WebRTCCounters, Int, Int) in
                var sum = socket.closedCounters
                for peer in socket.peers.values { sum.add(peer.session.counters) }
                return (socket.peers.count, sum, socket.batch?.sendErrors ?? 0, socket.batch?.bufferFullDrops ?? 0)
            }.get()) ?? (0, WebRTCCounters(), 0, 0)
            totals.sessions += count
            totals.sendErrors += refused
            totals.bufferFullDrops += full
            totals.counters.add(sum)
        }
        totals.unrouted = unroutedDatagrams
        return totals
    }

    // MARK: IO

    /// A datagram read by `socket` (on its loop): handled here when its session lives on this
    /// loop, otherwise on the session's loop. `link`: it came framed on that ICE-TCP connection.
    func receive(_ bytes: [UInt8], from address: TransportAddress, on socket: WebRTCSocket, link: WebRTCTCPConnection? = nil) {
        let isSTUN = bytes.first.map { $0 <= 3 } ?? false
        let peer: WebRTCPeer?
        if isSTUN {
            // STUN: a check is routed by the ufrag it is addressed to (an authenticated one may
            // validate a new address for the session: Chromium switches pairs mid-session); a
            // response (no USERNAME: an answer to our address probe) by its validated address.
            peer = routes.withLock { table in
                guard let ufrag = ICELiteAgent.localUfrag(in: bytes[...]) else { return table.byAddress[address] }
                return table.byUfrag[ufrag]
            }
        } else {
            // DTLS, SRTP, SRTCP: only from addresses a check already validated.
            peer = routes.withLock { $0.byAddress[address] }
        }
        guard let peer else {
            if isSTUN, let reflexive = traversal.reflexive.withLock({ $0 }), reflexive.isAnswer(bytes) {
                reflexive.receive(bytes, from: address)
                return
            }
            unrouted.add(1, ordering: .relaxed)
            return
        }
        if peer.socket === socket {
            peer.receive(bytes, from: address, isSTUN: isSTUN, link: link)
        } else {
            peer.eventLoop.execute { peer.receive(bytes, from: address, isSTUN: isSTUN, link: link) }
        }
    }
}

extension WebRTCCounters {
    /// Every field summed (WebRTCCountersSumTests fails when a new field is not).
    mutating func add(_ o: WebRTCCounters) {
        droppedDatagrams += o.droppedDatagrams
        stunRejected += o.stunRejected
        srtpAuthFailures += o.srtpAuthFailures
        srtpReplays += o.srtpReplays
        rtcpMalformed += o.rtcpMalformed
        packetsSent += o.packetsSent
        bytesSent += o.bytesSent
        nacksReceived += o.nacksReceived
        nacksSent += o.nacksSent
        packetsReceived += o.packetsReceived
        retransmissions += o.retransmissions
        retransmissionsRefused += o.retransmissionsRefused
        retransmissionsOnRTX += o.retransmissionsOnRTX
        retransmissionsReceived += o.retransmissionsReceived
        retransmissionsUnmatched += o.retransmissionsUnmatched
        retransmissionsRedundant += o.retransmissionsRedundant
        keyframeRequestsReceived += o.keyframeRequestsReceived
        iceAddressChanges += o.iceAddressChanges
        iceProbesSent += o.iceProbesSent
        iceMovesRefused += o.iceMovesRefused
        iceProbesSuppressed += o.iceProbesSuppressed
        transportWideFeedbackSent += o.transportWideFeedbackSent
        rembSent += o.rembSent
        goodbyesSent += o.goodbyesSent
        dataChannelPacketsUnsent += o.dataChannelPacketsUnsent
    }
}
