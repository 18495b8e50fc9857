import NIOCore
import RTCBase
import WebRTC

/// ICE-TCP passive (RFC 6544): connections accepted by `WebRTCTCPListener`. What they read is
/// routed like UDP (STUN by ufrag, so ICE-lite validates the credentials first; DTLS and SRTP
/// only from addresses a check validated, and only on a connection bound to that session by an
/// answered check over it); what a session sends to a bound connection's address goes out on it,
/// framed (RFC 4571).
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

    /// The UDP socket of `eventLoop` (frames read there are handled there when their session lives there).
    func socket(on eventLoop: any EventLoop) -> WebRTCSocket {
        sockets.first { $0.eventLoop === eventLoop } ?? sockets[0]
    }
}

extension WebRTCPeer {
    /// Where a packet to `address` goes when not over UDP: a connection bound to this session, or
    /// the one the current input came on (the answer to a check over it). An answered check
    /// (Binding success: ICE-lite answers only authenticated checks) binds that connection, so
    /// another connection from the same address and port (a TCP mapping equal to a session's
    /// UDP one, on a shared NAT) never receives the session's packets or feeds it DTLS/SRTP.
    func tcpLink(for address: TransportAddress, sending bytes: [UInt8]) -> WebRTCTCPConnection? {
        if let bound = tcpLinks[address] { return bound }
        guard let link = currentLink, link.remote == address else { return nil }
        if bytes.count >= 2, bytes[0] == 0x01, bytes[1] == 0x01 {   // Binding success response
            tcpLinks[address] = link
            link.bound.store(true, ordering: .relaxed)
            mediaDestination.generation = -1   // the media path may now be this connection
        }
        return link
    }

    /// Media to a peer on ICE-TCP: protected into its own datagram, then framed onto the connection.
    func sendMedia(_ packet: OutgoingRTP, over link: WebRTCTCPConnection, now: Instant) -> Bool {
        guard let protected = session.protectRTP(packet, now: now) else { return false }
        return link.send(protected.datagram)
    }
}
