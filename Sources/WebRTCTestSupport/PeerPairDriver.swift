import DTLS
import ICE
import RTCBase
import WebRTC

/// Runs a gateway `WebRTCSession` against a `BrowserPeer` on virtual time with an in-process,
/// seeded lossy network. Every loop is bounded.
public struct PeerPairDriver {
    public let gateway: WebRTCSession
    public let browser: BrowserPeer
    public private(set) var now: Instant
    public var gatewayEvents: [WebRTCSession.Event] = []
    /// Drops datagrams for which this returns true (sender is "gateway" or "browser").
    public var drop: (_ from: String, _ bytes: [UInt8]) -> Bool = { _, _ in false }

    public init(gateway: WebRTCSession, browser: BrowserPeer, now: Instant) {
        self.gateway = gateway
        self.browser = browser
        self.now = now
    }

    /// Delivers everything pending; returns whether anything moved.
    @discardableResult
    public mutating func exchange() -> Bool {
        var moved = false
        for _ in 0..<10_000 {
            var any = false
            while case .transmit(let bytes, _) = browser.poll() {
                any = true
                if !drop("browser", bytes) { gateway.handle(datagram: bytes, from: browser.localAddress, now: now) }
            }
            loop: while true {
                switch gateway.poll() {
                case .transmit(let bytes, _):
                    any = true
                    if !drop("gateway", bytes) { browser.handle(datagram: bytes, now: now) }
                case .event(let event):
                    gatewayEvents.append(event)
                case .timeout:
                    break loop
                }
            }
            if !any { break }
            moved = true
        }
        return moved
    }

    /// Advances virtual time to the next deadline of either side (at most `limit` ahead).
    public mutating func step(limit: Duration = .seconds(1)) {
        exchange()
        var deadline = now + limit
        if case .timeout(let d) = browser.poll() { deadline = min(deadline, d) }
        if case .timeout(let d) = gateway.poll() { deadline = min(deadline, d) }
        if deadline > now { now = deadline }
        browser.handleTimeout(now: now)
        gateway.handleTimeout(now: now)
        exchange()
    }

    /// Steps until `condition` holds or `maxSteps` pass; returns whether it held.
    public mutating func run(maxSteps: Int = 1000, until condition: (PeerPairDriver) -> Bool) -> Bool {
        for _ in 0..<maxSteps {
            if condition(self) { return true }
            step()
        }
        return condition(self)
    }
}

extension PeerPairDriver {
    /// A gateway session (ICE-lite, DTLS server) and a browser stand-in that know each other's
    /// credentials and fingerprints, as after a WHEP offer/answer; not yet connected.
    public static func make(gatewayCertificate: DTLSCertificate? = nil, dtls: DTLSConfiguration = DTLSConfiguration(),
                            gatewayAddress: TransportAddress, browserAddress: TransportAddress,
                            start: Instant,
                            configure: (inout WebRTCSession.Configuration) -> Void = { _ in }) throws -> PeerPairDriver {
        let certificate = try gatewayCertificate ?? DTLSCertificate.generate()
        let gatewayICE = ICECredentials.generate()
        let browser = try BrowserPeer(remoteCredentials: gatewayICE, remoteFingerprint: certificate.fingerprint,
                                      localAddress: browserAddress, remoteAddress: gatewayAddress,
                                      dtlsConfiguration: dtls, now: start)
        var config = WebRTCSession.Configuration(
            certificate: certificate, localCredentials: gatewayICE, remoteCredentials: browser.credentials,
            remoteFingerprint: browser.certificate.fingerprint, dtlsRole: .server, cname: "test",
            wallClockAnchor: (start, 1_700_000_000))
        config.dtls = dtls
        configure(&config)
        let session = try WebRTCSession(configuration: config, now: start)
        return PeerPairDriver(gateway: session, browser: browser, now: start)
    }
}
