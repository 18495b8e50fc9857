import Egress
import RTCBase
import WebRTC

/// Read-only views of the live WebRTC sessions for metrics: taken on each session's own loop at
/// scrape time from counters the sessions keep anyway, so the media path does no extra work.
extension WebRTCTransport {
    /// One session as seen at a scrape.
    public struct SessionSnapshot: Sendable {
        /// The session's metrics name (not its resource id: see `WebRTCPeer.metricsID`).
        public var id: String
        public var pathName: String
        /// `whep` (viewer) or `whip` (publisher).
        public var role: String
        public var isConnected: Bool
        public var counters: WebRTCCounters
        /// What the peer reported about each stream we send it (viewers), by SSRC order.
        public var receptions: [RemoteReception]
        /// The SRTP profile DTLS negotiated (OpenSSL's name), nil before DTLS finished.
        public var srtpProfile: String?
        /// The type of the peer's candidate the media runs over, as it signalled it (`host`,
        /// `srflx`, `relay`), `prflx` when it matched none (mDNS names, NAT mappings learnt from
        /// checks), with `-tcp` appended over ICE-TCP; `none` before ICE chose an address.
        public var candidateType: String
        /// From DTLS up to the first media unit forwarded (a viewer waits for a keyframe); while
        /// still waiting, the time waited so far; nil before DTLS is up or for publishers.
        public var keyframeWait: Duration?
        /// Units the viewer's path reader dropped on queue overflow or while waiting for a keyframe.
        public var readerDroppedUnits: Int
        /// The peer's address in use ("IP:PORT"), nil before ICE chose one (control API only).
        public var remoteAddress: String? = nil
        /// Freezes of the video sent (viewers; nil for publishers).
        public var freezes: FreezeCounter.Statistics? = nil
    }

    /// The live sessions, and what the ended ones counted: their counters summed per path and
    /// the units their path readers dropped. Each loop's part is read in one step, so a session
    /// is either live or ended, never both: the sums never go back.
    public struct SessionTotals: Sendable {
        public var live: [SessionSnapshot] = []
        public var closedByPath: [String: WebRTCCounters] = [:]
        public var closedReaderDroppedUnits = 0
    }

    public func sessionTotals() async -> SessionTotals {
        var totals = SessionTotals()
        for socket in sockets {
            let part = try? await socket.eventLoop.submit { () -> ([SessionSnapshot], [String: WebRTCCounters], Int) in
                let now = RuntimeClock.now()
                return (socket.peers.values.map { $0.snapshot(now: now) }, socket.closedCountersByPath,
                        socket.closedReaderDroppedUnits)
            }.get()
            guard let part else { continue }
            totals.live += part.0
            for (path, sum) in part.1 { totals.closedByPath[path, default: WebRTCCounters()].add(sum) }
            totals.closedReaderDroppedUnits += part.2
        }
        return totals
    }
}

extension WebRTCPeer {
    /// See `SessionSnapshot.candidateType`. Call on its loop.
    var candidateType: String {
        guard let remote = session.remoteAddress else { return "none" }
        let isTCP = tcpLinks[remote] != nil
        let type = signalledCandidates.type(host: remote.host, port: remote.port, tcp: isTCP)
        return isTCP ? type + "-tcp" : type
    }

    /// This peer's counters and reports. Call on its loop.
    func snapshot(now: Instant) -> WebRTCTransport.SessionSnapshot {
        var wait: Duration?
        if role == .viewer, let connectedAt { wait = (firstMediaAt ?? now) - connectedAt }
        return WebRTCTransport.SessionSnapshot(
            id: metricsID, pathName: pathName, role: role.rawValue, isConnected: session.isConnected, counters: session.counters,
            receptions: session.remoteReceptions.values.sorted { $0.ssrc < $1.ssrc }, srtpProfile: srtpProfile,
            candidateType: candidateType, keyframeWait: wait, readerDroppedUnits: readerStats()?.dropped ?? 0,
            remoteAddress: session.remoteAddress?.description, freezes: freezeStats(now))
    }
}
