import CHeapStats
import DTLS
import ICE
import RTCBase
import SRTP

/// Where a gateway session's heap goes, one component at a time (malloc's in-use bytes per
/// instance, averaged over `instances`): the DTLS endpoint after its handshake (its peer dropped),
/// the SRTP contexts of each profile, and an ICE-lite agent. Complements `SessionMemoryBenchmark`,
/// which measures the whole session.
struct SessionMemoryBreakdown {
    let instances: Int

    struct Result {
        var dtlsServerBytes: Double
        var dtlsClientBytes: Double
        var srtpGCMBytes: Double
        var srtpAESCMBytes: Double
        var iceAgentBytes: Double
    }

    func run() throws -> Result {
        let gatewayCertificate = try DTLSCertificate.generate()
        let browserCertificate = try DTLSCertificate.generate()
        let start = Instant(nanoseconds: 1_000_000_000)
        func dtls(gatewayRole: DTLSRole) throws -> Double {
            var kept: [DTLSSession] = []
            var total = 0
            for _ in 0..<instances {
                let before = SessionMemoryBenchmark.heapInUse()
                let gateway = try DTLSSession(role: gatewayRole, certificate: gatewayCertificate,
                                              remoteFingerprint: browserCertificate.fingerprint, now: start)
                do {
                    let browser = try DTLSSession(role: gatewayRole == .server ? .client : .server, certificate: browserCertificate,
                                                  remoteFingerprint: gatewayCertificate.fingerprint, now: start)
                    let client = gatewayRole == .client ? gateway : browser
                    let server = gatewayRole == .client ? browser : gateway
                    client.start(now: start)
                    for _ in 0..<20 where !(client.isConnected && server.isConnected) {
                        while case .transmit(let datagram) = client.poll() { server.handle(datagram: datagram, now: start) }
                        while case .transmit(let datagram) = server.poll() { client.handle(datagram: datagram, now: start) }
                    }
                    guard gateway.isConnected, browser.isConnected else { throw BenchmarkError("DTLS did not connect") }
                    while case .event = gateway.poll() {}
                }
                total += SessionMemoryBenchmark.heapInUse() - before
                kept.append(gateway)
            }
            withExtendedLifetime(kept) {}
            return Double(total) / Double(instances)
        }

        func srtp(_ profile: SRTPProtectionProfile) throws -> Double {
            let keying = SRTPKeyingMaterial(
                profile: profile,
                localMasterKey: SecureRandom.bytes(profile.masterKeyLength), localMasterSalt: SecureRandom.bytes(profile.masterSaltLength),
                remoteMasterKey: SecureRandom.bytes(profile.masterKeyLength), remoteMasterSalt: SecureRandom.bytes(profile.masterSaltLength))
            var kept: [SRTPSession] = []
            let before = SessionMemoryBenchmark.heapInUse()
            for _ in 0..<instances { kept.append(try SRTPSession(keying: keying)) }
            let bytes = SessionMemoryBenchmark.heapInUse() - before
            withExtendedLifetime(kept) {}
            return Double(bytes) / Double(instances)
        }

        var agents: [ICELiteAgent] = []
        agents.reserveCapacity(instances)
        let iceBefore = SessionMemoryBenchmark.heapInUse()
        for _ in 0..<instances {
            agents.append(ICELiteAgent(local: .generate(), remote: .generate(), now: start))
        }
        let iceBytes = SessionMemoryBenchmark.heapInUse() - iceBefore
        withExtendedLifetime(agents) {}

        return Result(dtlsServerBytes: try dtls(gatewayRole: .server), dtlsClientBytes: try dtls(gatewayRole: .client),
                      srtpGCMBytes: try srtp(.aeadAES128GCM), srtpAESCMBytes: try srtp(.aes128CMHMACSHA1_80),
                      iceAgentBytes: Double(iceBytes) / Double(instances))
    }
}
