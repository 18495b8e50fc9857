import DTLS
import RTCBase
import SRTP

/// Two in-process DTLS endpoints joined by a link that can drop datagrams, on a virtual clock.
/// Each drain of an endpoint's `poll()` is a "batch" (one flight, usually); drop filters see the
/// batch number and the bytes.
final class DTLSPair {
    let client: DTLSSession
    let server: DTLSSession
    private(set) var now = Instant(nanoseconds: 5_000_000_000)
    private(set) var clientEvents: [DTLSEvent] = []
    private(set) var serverEvents: [DTLSEvent] = []
    /// Every datagram each side transmitted, dropped or not.
    private(set) var clientSent: [[UInt8]] = []
    private(set) var serverSent: [[UInt8]] = []
    var dropFromClient: (_ batch: Int, _ datagram: [UInt8]) -> Bool = { _, _ in false }
    var dropFromServer: (_ batch: Int, _ datagram: [UInt8]) -> Bool = { _, _ in false }
    private var clientBatches = 0
    private var serverBatches = 0
    private var clientDeadline = Instant.distantFuture
    private var serverDeadline = Instant.distantFuture

    init(
        client clientConfiguration: DTLSConfiguration = .init(),
        server serverConfiguration: DTLSConfiguration = .init(),
        clientExpects: DTLSFingerprint? = nil, serverExpects: DTLSFingerprint? = nil
    ) throws {
        let clientCertificate = try DTLSCertificate.generate(commonName: "client")
        let serverCertificate = try DTLSCertificate.generate(commonName: "server")
        client = try DTLSSession(
            role: .client, certificate: clientCertificate,
            remoteFingerprint: clientExpects ?? serverCertificate.fingerprint,
            configuration: clientConfiguration, now: now)
        server = try DTLSSession(
            role: .server, certificate: serverCertificate,
            remoteFingerprint: serverExpects ?? clientCertificate.fingerprint,
            configuration: serverConfiguration, now: now)
    }

    var clientKeys: SRTPKeyingMaterial? { Self.keys(in: clientEvents) }
    var serverKeys: SRTPKeyingMaterial? { Self.keys(in: serverEvents) }
    var bothConnected: Bool { clientKeys != nil && serverKeys != nil }
    var anyFailed: Bool { clientEvents.contains(where: Self.isFailure) || serverEvents.contains(where: Self.isFailure) }

    /// Starts the client, then runs until `done` holds or both sides are idle with no timer.
    func run(maxSteps: Int = 1_000_000, until done: (DTLSPair) -> Bool) {
        client.start(now: now)
        for _ in 0..<maxSteps {
            if exchange() { continue }
            if done(self) { return }
            let next = min(clientDeadline, serverDeadline)
            guard next < .distantFuture else { return }
            now = max(now, next)
            client.handleTimeout(now: now)
            server.handleTimeout(now: now)
        }
    }

    /// Drains both endpoints and delivers what they sent. True if anything was transmitted.
    @discardableResult
    func exchange() -> Bool {
        let fromClient = Self.drain(client, into: &clientEvents, deadline: &clientDeadline)
        if !fromClient.isEmpty {
            for datagram in fromClient where !dropFromClient(clientBatches, datagram) {
                server.handle(datagram: datagram, now: now)
            }
            clientSent += fromClient
            clientBatches += 1
        }
        let fromServer = Self.drain(server, into: &serverEvents, deadline: &serverDeadline)
        if !fromServer.isEmpty {
            for datagram in fromServer where !dropFromServer(serverBatches, datagram) {
                client.handle(datagram: datagram, now: now)
            }
            serverSent += fromServer
            serverBatches += 1
        }
        return !fromClient.isEmpty || !fromServer.isEmpty
    }

    /// Moves the virtual clock forward without firing timers.
    func advance(by duration: Duration) { now = now + duration }

    static func drain(
        _ session: DTLSSession, into events: inout [DTLSEvent], deadline: inout Instant
    ) -> [[UInt8]] {
        var datagrams: [[UInt8]] = []
        while true {
            switch session.poll() {
            case .transmit(let datagram): datagrams.append(datagram)
            case .event(let event): events.append(event)
            case .timeout(let instant):
                deadline = instant
                return datagrams
            }
        }
    }

    static func keys(in events: [DTLSEvent]) -> SRTPKeyingMaterial? {
        for case .connected(let keys) in events { return keys }
        return nil
    }

    static func isFailure(_ event: DTLSEvent) -> Bool {
        if case .failed = event { return true }
        return false
    }

    static func failureReason(in events: [DTLSEvent]) -> String? {
        for case .failed(let reason) in events { return reason }
        return nil
    }

    /// The content types of the records in a well-framed datagram (RFC 6347 §4.1).
    static func contentTypes(_ datagram: [UInt8]) -> [UInt8] {
        var types: [UInt8] = []
        var offset = 0
        while offset + 13 <= datagram.count {
            types.append(datagram[offset])
            offset += 13 + (Int(datagram[offset + 11]) << 8 | Int(datagram[offset + 12]))
        }
        return types
    }

    /// Handshakes a fresh pair and returns (client keys, server keys).
    static func handshakeKeys(server serverConfiguration: DTLSConfiguration = .init()) throws
        -> (client: SRTPKeyingMaterial, server: SRTPKeyingMaterial)
    {
        let pair = try DTLSPair(server: serverConfiguration)
        pair.run { $0.bothConnected || $0.anyFailed }
        guard let client = pair.clientKeys, let server = pair.serverKeys else { throw HandshakeFailed() }
        return (client, server)
    }

    struct HandshakeFailed: Error {}
}
