import Egress
import Logging
import NIOCore
import RTCBase
import Routing
import SDP
import WebRTC

/// Runtime wrapper of one `WebRTCSession`: pinned to one socket's event loop, it feeds the session
/// what that socket reads, drains its outputs into the loop's send batch, keeps its single wake-up
/// timer, and hands events to the adapter that owns it (viewer, publisher). Confined to its loop.
final class WebRTCPeer: @unchecked Sendable {
    let id: String
    /// The session's name in `/metrics` (and its "DTLS connected" log line): random, not the
    /// resource id, which together with the path's token (if any) lets a client PATCH or DELETE
    /// the session, and `/metrics` may be readable by more people than that.
    let metricsID = SecureRandom.token(12)
    /// When the peer was built (the closed log line says how long the session lived).
    let createdAt = RuntimeClock.now()
    /// The path and role the session was created for (metrics labels).
    let pathName: String
    let role: WebRTCEndpoint.Role
    let session: WebRTCSession
    unowned let transport: WebRTCTransport
    let socket: WebRTCSocket
    var eventLoop: any EventLoop { socket.eventLoop }
    var addresses: Set<TransportAddress> = []
    var onEvent: (WebRTCSession.Event) -> Void = { _ in }
    private let driver: EngineDriver
    /// The kernel form of the last destination, rebuilt only when the session's address changes.
    private var destination: (address: TransportAddress, kernel: UDPDestination)?
    /// The media destination for the session's `remoteAddressGeneration` (an ICE-TCP link or a UDP address).
    var mediaDestination: (generation: Int, kernel: UDPDestination?, tcp: WebRTCTCPConnection?) = (-1, nil, nil)
    private(set) var isClosed = false
    /// ICE-TCP connections bound to this session by an answered check over them, by remote
    /// address, and the connection the input being handled came from (see `tcpLink(for:sending:)`).
    var tcpLinks: [TransportAddress: WebRTCTCPConnection] = [:]
    var currentLink: WebRTCTCPConnection?
    /// The candidates the peer signalled (offer, trickle): what `candidateType` names the route by.
    var signalledCandidates = SignalledCandidateTypes()
    /// Read at scrape time by metrics (set once each, never per packet): the negotiated SRTP
    /// profile, when DTLS finished, and when the adapter forwarded its first media.
    private(set) var srtpProfile: String?
    private(set) var connectedAt: Instant?
    var firstMediaAt: Instant?
    /// The path reader's counters of the adapter (viewers), read at scrape time.
    var readerStats: () -> ReaderStats? = { nil }
    /// The adapter's freeze counts at a given time (viewers), read at scrape time.
    var freezeStats: (Instant) -> FreezeCounter.Statistics? = { _ in nil }

    init(id: String, pathName: String = "", role: WebRTCEndpoint.Role = .viewer, session: WebRTCSession,
         transport: WebRTCTransport, socket: WebRTCSocket) {
        self.id = id
        self.pathName = pathName
        self.role = role
        self.session = session
        self.transport = transport
        self.socket = socket
        self.driver = EngineDriver(eventLoop: socket.eventLoop)
        driver.onTimeout { [weak self] now in
            guard let self else { return }
            self.session.handleTimeout(now: now)
            self.pump(now: now)
        }
    }

    /// One datagram the transport routed here (on this peer's loop); `link`: read from that
    /// ICE-TCP connection (DTLS/SRTP on one only once a check over it was answered, see `pump`).
    func receive(_ bytes: [UInt8], from address: TransportAddress, isSTUN: Bool, link: WebRTCTCPConnection? = nil) {
        guard !isClosed else { return }
        // DTLS/SRTP from an ICE-TCP address only on its bound connection, never from UDP.
        if !isSTUN, !tcpLinks.isEmpty || link != nil, tcpLinks[address] !== link { return }
        let now = RuntimeClock.now()
        currentLink = link
        defer { currentLink = nil }
        session.handle(datagram: bytes, from: address, now: now)
        if isSTUN { transport.learn(address, for: self) }
        pump(now: now)
    }

    /// Drains the session after any input and re-arms the timer.
    func pump(now: Instant) {
        driver.drainAndArm({ session.poll() }, deadline: { output in
            if case .timeout(let deadline) = output { deadline } else { nil }
        }) { output in
            switch output {
            case .transmit(let bytes, let to):
                if let link = tcpLink(for: to, sending: bytes) {
                    link.send(bytes)
                } else if let kernel = kernelDestination(to) {
                    socket.batch?.append(bytes, to: kernel)
                }
            case .event(let event):
                if case .iceConnected(let address) = event { transport.learn(address, for: self) }
                if case .closed = event { markClosed() }
                if case .connected(let profile) = event { (srtpProfile, connectedAt) = (profile.openSSLName, now) }
                onEvent(event)
            case .timeout:
                break
            }
        }
    }

    /// The hot path: protects `packet` straight into the loop's send batch (no allocation, no
    /// copy beyond writing the datagram once; the batch is sent at the end of the loop's tick).
    /// Returns whether a datagram was queued.
    @discardableResult
    func sendMedia(_ packet: OutgoingRTP, now: Instant) -> Bool {
        if mediaDestination.generation != session.remoteAddressGeneration {
            let remote = session.remoteAddress
            mediaDestination = (session.remoteAddressGeneration, remote.flatMap { kernelDestination($0) },
                                remote.flatMap { tcpLinks[$0] })
        }
        if let link = mediaDestination.tcp { return sendMedia(packet, over: link, now: now) }
        guard let batch = socket.batch, let kernel = mediaDestination.kernel else { return false }
        var queued = false
        batch.append(to: kernel, maximumLength: WebRTCSession.protectedCapacity(payloadCount: packet.payload.count)) { buffer in
            let length = session.protectRTP(packet, into: buffer, now: now)
            queued = length != nil
            return length
        }
        return queued
    }

    private func kernelDestination(_ address: TransportAddress) -> UDPDestination? {
        if let destination, destination.address == address { return destination.kernel }
        guard let kernel = UDPDestination(address) else { return nil }
        destination = (address, kernel)
        return kernel
    }

    private func markClosed() {
        guard !isClosed else { return }
        isClosed = true
        driver.stop()
        transport.unregister(self)
    }

    /// Local close (DELETE): close_notify goes out, then the peer is unregistered.
    func close(reason: String) {
        session.close(reason: reason)
        pump(now: RuntimeClock.now())
    }
}
