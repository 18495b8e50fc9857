import NIOCore
import RTCBase
import WebRTC

/// ICE-TCP passive (RFC 6544): connections accepted by `WebRTCTCPListener` are links to their
/// remote address. What they read is routed like UDP (STUN by ufrag, so ICE-lite validates the
/// credentials first; DTLS and SRTP only from addresses a check validated), and whatever a
/// session sends to such an address goes out on its connection, framed (RFC 4571).
extension WebRTCTransport {
    /// Starts listening for ICE-TCP on `host:port`; returns the bound port.
    public func listenTCP(host: String, settings: WebRTCTCPSettings, group: any EventLoopGroup) async throws -> Int {
        let listener = WebRTCTCPListener(settings: settings, logger: logger)
        let port = try await listener.bind(host: host, port: settings.port ?? 0, group: group, transport: self)
        traversal.tcpListener.withLock { $0 = listener }
        traversal.tcpPort.withLock { $0 = port }
        return port
    }

    func closeTCP() async {
        let listener = traversal.tcpListener.withLock { current in
            defer { current = nil }
            return current
        }
        await listener?.close()
        let links = traversal.tcpLinks.withLock { links in
            defer { links.removeAll() }
            return Array(links.values)
        }
        for link in links { link.channel.close(promise: nil) }
    }

    /// The ICE-TCP counters (zero without a listener).
    public var tcpCounters: WebRTCTCPCounters {
        traversal.tcpListener.withLock { $0 }?.counters.withLock { $0 } ?? WebRTCTCPCounters()
    }

    /// The ICE-TCP port, once listening.
    public var boundTCPPort: Int? { traversal.tcpPort.withLock { $0 } }

    /// ICE-TCP connections open now.
    public var tcpConnections: Int { traversal.tcpLinkCount.load(ordering: .relaxed) }

    func addTCPLink(_ link: WebRTCTCPConnection, for address: TransportAddress) {
        let old = traversal.tcpLinks.withLock { links in
            defer { links[address] = link }
            return links[address]
        }
        if old == nil { traversal.tcpLinkCount.add(1, ordering: .relaxed) }
        old?.channel.close(promise: nil)
    }

    func removeTCPLink(_ link: WebRTCTCPConnection, for address: TransportAddress) {
        let removed = traversal.tcpLinks.withLock { links -> Bool in
            guard links[address] === link else { return false }
            links[address] = nil
            return true
        }
        if removed { traversal.tcpLinkCount.subtract(1, ordering: .relaxed) }
    }

    /// The TCP connection for `address`, if the peer reached us over ICE-TCP (no lock while none is open).
    func tcpLink(for address: TransportAddress) -> WebRTCTCPConnection? {
        guard traversal.tcpLinkCount.load(ordering: .relaxed) > 0 else { return nil }
        return traversal.tcpLinks.withLock { $0[address] }
    }

    /// Whether a check validated `address` for some session.
    func isRouted(_ address: TransportAddress) -> Bool { routes.withLock { $0.byAddress[address] != nil } }

    /// The UDP socket of `eventLoop` (frames read there are handled there when their session lives there).
    func socket(on eventLoop: any EventLoop) -> WebRTCSocket {
        sockets.first { $0.eventLoop === eventLoop } ?? sockets[0]
    }
}

extension WebRTCPeer {
    /// Media to a peer on ICE-TCP: protected into its own datagram, then framed onto the connection.
    func sendMedia(_ packet: OutgoingRTP, over link: WebRTCTCPConnection, now: Instant) -> Bool {
        guard let protected = session.protectRTP(packet, now: now) else { return false }
        return link.send(protected.datagram)
    }
}
