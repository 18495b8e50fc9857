import DTLS
import ICE
import RTCBase
import SCTP
import TestSupport
import WebRTC

/// Runs a gateway `WebRTCSession` against a `BrowserPeer` on virtual time over a seeded
/// `NetworkEmulator` (perfect until a test sets conditions: then loss, delay, jitter, reordering,
/// duplication, NAT rebinding). Datagrams are delivered in time order; every loop is bounded.
public struct PeerPairDriver {
    public let gateway: WebRTCSession
    public let browser: BrowserPeer
    /// Where the gateway listens (the browser's `remoteAddress`).
    public let gatewayAddress: TransportAddress
    public private(set) var now: Instant
    public var gatewayEvents: [WebRTCSession.Event] = []
    /// Drops datagrams for which this returns true (sender is "gateway" or "browser"), before
    /// they reach the network.
    public var drop: (_ from: String, _ bytes: [UInt8]) -> Bool = { _, _ in false }
    /// The network between the two; the browser is attached at its `localAddress` (its inside
    /// address when the test puts it behind a rebinding NAT), the gateway at `gatewayAddress`.
    public var network: NetworkEmulator

    public init(gateway: WebRTCSession, browser: BrowserPeer, now: Instant, network: NetworkEmulator = NetworkEmulator(seed: 1)) {
        self.gateway = gateway
        self.browser = browser
        self.now = now
        gatewayAddress = browser.remoteAddress
        self.network = network
        self.network.attach(gatewayAddress)
        self.network.attach(browser.localAddress)
    }

    /// Delivers everything due now (with a perfect network: everything pending); returns whether
    /// anything moved.
    @discardableResult
    public mutating func exchange() -> Bool {
        var moved = false
        for _ in 0..<10_000 {
            var any = false
            while case .transmit(let bytes, let to) = browser.poll() {
                any = true
                if !drop("browser", bytes) { network.send(bytes, from: browser.localAddress, to: to, at: now) }
            }
            loop: while true {
                switch gateway.poll() {
                case .transmit(let bytes, let to):
                    any = true
                    sendFromGateway(bytes, to: to)
                case .event(let event):
                    gatewayEvents.append(event)
                case .timeout:
                    break loop
                }
            }
            while let (datagram, host) = network.receive(at: now) {
                any = true
                if host == gatewayAddress {
                    gateway.handle(datagram: datagram.bytes, from: datagram.source, now: now)
                } else if host == browser.localAddress {
                    browser.handle(datagram: datagram.bytes, from: datagram.source, now: now)
                }
            }
            if !any { break }
            moved = true
        }
        return moved
    }

    /// Advances virtual time to the next deadline of either side or the next delivery (at most
    /// `limit` ahead).
    public mutating func step(limit: Duration = .seconds(1)) {
        exchange()
        let deadline = min(now + limit, nextEvent)
        if deadline > now { now = deadline }
        fireTimeouts()
    }

    /// Steps until `condition` holds or `maxSteps` pass; returns whether it held.
    public mutating func run(maxSteps: Int = 1000, until condition: (PeerPairDriver) -> Bool) -> Bool {
        for _ in 0..<maxSteps {
            if condition(self) { return true }
            step()
        }
        return condition(self)
    }

    /// Runs everything up to `target` in time order: deliveries and both sides' deadlines, each
    /// at its own instant; then time is `target`. At most `maxEvents` instants are visited.
    public mutating func advance(to target: Instant, maxEvents: Int = 1_000_000) {
        var firedAt: Instant?
        for _ in 0..<maxEvents {
            exchange()
            var next = nextEvent
            if next <= now, firedAt == now {
                // A deadline that firing did not move: look again a millisecond later.
                next = min(network.nextDelivery ?? .distantFuture, now + .milliseconds(1))
            }
            if next > target { break }
            now = max(now, next)
            fireTimeouts()
            firedAt = now
        }
        now = max(now, target)
    }

    /// Protects `packet` on the gateway's session (recording it in the send history) and puts it on
    /// the network to the session's remote address; false when the session would not send it.
    @discardableResult
    public mutating func sendRTP(_ packet: OutgoingRTP) -> Bool {
        guard let out = gateway.protectRTP(packet, now: now) else { return false }
        sendFromGateway(out.datagram, to: out.to)
        return true
    }

    /// Puts a datagram from an arbitrary (e.g. spoofed or foreign) source on the network.
    public mutating func inject(_ bytes: [UInt8], from source: TransportAddress, to destination: TransportAddress) {
        network.send(bytes, from: source, to: destination, at: now)
    }

    /// The earliest of both sides' deadlines and the next delivery.
    var nextEvent: Instant {
        var deadline = network.nextDelivery ?? .distantFuture
        if case .timeout(let d) = browser.poll() { deadline = min(deadline, d) }
        if case .timeout(let d) = gateway.poll() { deadline = min(deadline, d) }
        return deadline
    }

    private mutating func fireTimeouts() {
        browser.handleTimeout(now: now)
        gateway.handleTimeout(now: now)
        exchange()
    }

    private mutating func sendFromGateway(_ bytes: [UInt8], to destination: TransportAddress) {
        if !drop("gateway", bytes) { network.send(bytes, from: gatewayAddress, to: destination, at: now) }
    }
}

extension PeerPairDriver {
    /// A gateway session (ICE-lite, DTLS server) and a browser stand-in that know each other's
    /// credentials and fingerprints, as after a WHEP offer/answer; not yet connected. With
    /// `dataChannels`, both sides run data channels (as when the offer had `m=application`).
    public static func make(gatewayCertificate: DTLSCertificate? = nil, dtls: DTLSConfiguration = DTLSConfiguration(),
                            gatewayAddress: TransportAddress, browserAddress: TransportAddress,
                            start: Instant, dataChannels: DataChannelSession.Configuration? = nil,
                            configure: (inout WebRTCSession.Configuration) -> Void = { _ in }) throws -> PeerPairDriver {
        let certificate = try gatewayCertificate ?? DTLSCertificate.generate()
        let gatewayICE = ICECredentials.generate()
        let browser = try BrowserPeer(remoteCredentials: gatewayICE, remoteFingerprint: certificate.fingerprint,
                                      localAddress: browserAddress, remoteAddress: gatewayAddress,
                                      dtlsConfiguration: dtls, dataChannels: dataChannels, now: start)
        var config = WebRTCSession.Configuration(
            certificate: certificate, localCredentials: gatewayICE, remoteCredentials: browser.credentials,
            remoteFingerprint: browser.certificate.fingerprint, dtlsRole: .server, cname: "test",
            wallClockAnchor: (start, 1_700_000_000))
        config.dtls = dtls
        config.dataChannels = dataChannels
        configure(&config)
        let session = try WebRTCSession(configuration: config, now: start)
        return PeerPairDriver(gateway: session, browser: browser, now: start)
    }
}
