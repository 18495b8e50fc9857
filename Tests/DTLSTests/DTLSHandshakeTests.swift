import DTLS
import RTCBase
import SRTP
import Testing

@Suite("DTLS handshake (RFC 6347, RFC 5764)")
struct DTLSHandshakeTests {
    /// Retransmission tests wait for OpenSSL's own clock (the one exception to virtual time):
    /// a short first timeout keeps that wait near 10 ms; a long handshake timeout keeps the
    /// virtual clock, which races ahead while OpenSSL's timer runs, from ending the handshake.
    static var fastRetransmit: DTLSConfiguration {
        var configuration = DTLSConfiguration()
        configuration.initialRetransmitTimeout = .milliseconds(25)
        configuration.handshakeTimeout = .seconds(1_000_000)
        return configuration
    }

    @Test func connectsWithMirroredGCMKeys() throws {
        let pair = try DTLSPair()
        pair.run { $0.bothConnected || $0.anyFailed }
        let client = try #require(pair.clientKeys)
        let server = try #require(pair.serverKeys)
        #expect(client.profile == .aeadAES128GCM)
        #expect(client == server.mirrored)
        #expect(client.localMasterKey.count == 16 && client.localMasterSalt.count == 12)
        #expect(client.localMasterKey != client.remoteMasterKey)
        #expect(client.localMasterSalt != client.remoteMasterSalt)
        #expect(pair.client.isConnected && pair.server.isConnected)
        #expect(pair.client.keyingMaterial == client)
        #expect(pair.client.droppedDatagrams == 0 && pair.server.droppedDatagrams == 0)
        #expect(pair.client.poll() == .timeout(.distantFuture))  // no timer left after connecting
        #expect(pair.server.poll() == .timeout(.distantFuture))
    }

    @Test func serverAllowingOnlyAESCMSelectsIt() throws {
        var serverConfiguration = DTLSConfiguration()
        serverConfiguration.profiles = [.aes128CMHMACSHA1_80]
        let pair = try DTLSPair(server: serverConfiguration)
        pair.run { $0.bothConnected || $0.anyFailed }
        let client = try #require(pair.clientKeys)
        #expect(client.profile == .aes128CMHMACSHA1_80)
        #expect(client.localMasterSalt.count == 14 && client.remoteMasterSalt.count == 14)
        #expect(client == pair.serverKeys?.mirrored)
    }

    @Test func noCommonProfileFails() throws {
        var clientConfiguration = DTLSConfiguration()
        clientConfiguration.profiles = [.aeadAES128GCM]
        var serverConfiguration = DTLSConfiguration()
        serverConfiguration.profiles = [.aes128CMHMACSHA1_80]
        let pair = try DTLSPair(client: clientConfiguration, server: serverConfiguration)
        pair.run { $0.anyFailed && !$0.client.isConnected }
        #expect(pair.clientKeys == nil)
        #expect(DTLSPair.failureReason(in: pair.clientEvents) == "no SRTP protection profile negotiated")
    }

    @Test func eachDatagramIsOneWriteWithinTheMTU() throws {
        var configuration = DTLSConfiguration()
        configuration.mtu = 300
        let pair = try DTLSPair(client: configuration, server: configuration)
        pair.run { $0.bothConnected || $0.anyFailed }
        #expect(pair.bothConnected)
        let all = pair.clientSent + pair.serverSent
        #expect(all.allSatisfy { $0.count <= 300 }, "sizes \(all.map(\.count))")
        // Every datagram is whole records, never a glued-together flight split at random.
        for datagram in all {
            #expect(throws: Never.self) {
                _ = try DTLSRecordScanner.validate(datagram, maxRecordSize: 18_432, maxRecords: 32)
            }
        }
        #expect(pair.serverSent.count > 3)
    }

    @Test func lostClientHelloIsRetransmitted() throws {
        let pair = try DTLSPair(client: Self.fastRetransmit, server: Self.fastRetransmit)
        pair.dropFromClient = { batch, _ in batch == 0 }
        pair.run { $0.bothConnected || $0.anyFailed }
        #expect(pair.bothConnected)
        #expect(pair.clientKeys == pair.serverKeys?.mirrored)
        // The first two client datagrams are both ClientHello (handshake type 1 after the
        // 13-byte record header), with different record sequence numbers.
        #expect(pair.clientSent.count >= 2)
        let first = pair.clientSent[0]
        let second = pair.clientSent[1]
        #expect(first[0] == 22 && first[13] == 1)
        #expect(second[0] == 22 && second[13] == 1)
        #expect(first[5..<11] != second[5..<11])
    }

    /// The server gives its record buffers back as soon as it is connected, before the client has
    /// its final flight; the client's retransmitted flight is still answered (OpenSSL keeps the
    /// handshake message buffer and the last flight), and both sides end up idle without buffers.
    @Test func lostFinalServerFlightIsAnsweredAfterConnect() throws {
        let pair = try DTLSPair(client: Self.fastRetransmit, server: Self.fastRetransmit)
        // Drop the server's whole final flight the first time it is sent: the batch carrying
        // a ChangeCipherSpec record (content type 20; the encrypted Finished follows it).
        var droppedBatch: Int?
        pair.dropFromServer = { batch, datagram in
            if droppedBatch == nil, DTLSPair.contentTypes(datagram).contains(20) { droppedBatch = batch }
            return batch == droppedBatch
        }
        pair.run { $0.serverKeys != nil || $0.anyFailed }
        #expect(pair.server.isConnected && !pair.client.isConnected)
        #expect(pair.server.hasReleasedRecordBuffers && !pair.client.hasReleasedRecordBuffers)
        pair.run { $0.bothConnected || $0.anyFailed }
        #expect(droppedBatch != nil)
        #expect(pair.bothConnected)
        #expect(pair.clientKeys == pair.serverKeys?.mirrored)
        // The server connected first, then answered the client's retransmitted flight by
        // resending its final flight: two batches with ChangeCipherSpec.
        let finalFlights = pair.serverSent.filter { DTLSPair.contentTypes($0).contains(20) }
        #expect(finalFlights.count == 2)
        #expect(pair.clientSent.filter { DTLSPair.contentTypes($0).contains(20) }.count == 2)
        #expect(pair.server.hasReleasedRecordBuffers && pair.client.hasReleasedRecordBuffers)
        // Records still flow after all that.
        try pair.client.send(applicationData: [4, 2])
        pair.exchange()
        #expect(pair.serverEvents.last == .applicationData([4, 2]))
    }

    @Test(arguments: [DTLSRole.client, DTLSRole.server])
    func wrongFingerprintFailsWithoutKeys(checkingRole: DTLSRole) throws {
        let stranger = try DTLSCertificate.generate(commonName: "stranger").fingerprint
        let pair = try DTLSPair(
            clientExpects: checkingRole == .client ? stranger : nil,
            serverExpects: checkingRole == .server ? stranger : nil)
        pair.run { pair in
            pair.clientEvents.contains(where: DTLSPair.isFailure)
                && pair.serverEvents.contains(where: DTLSPair.isFailure)
        }
        #expect(pair.clientKeys == nil && pair.serverKeys == nil)
        #expect(pair.client.keyingMaterial == nil && pair.server.keyingMaterial == nil)
        #expect(!pair.client.isConnected && !pair.server.isConnected)
        let checker = checkingRole == .client ? pair.clientEvents : pair.serverEvents
        let other = checkingRole == .client ? pair.serverEvents : pair.clientEvents
        #expect(DTLSPair.failureReason(in: checker) == "fingerprint mismatch")
        let otherReason = try #require(DTLSPair.failureReason(in: other))
        #expect(otherReason == "handshake failed: sslv3 alert bad certificate")
    }

    @Test(arguments: [DTLSRole.client, DTLSRole.server])
    func handshakeTimesOut(role: DTLSRole) throws {
        var configuration = DTLSConfiguration()
        configuration.handshakeTimeout = .seconds(3)
        let certificate = try DTLSCertificate.generate()
        let start = Instant(nanoseconds: 1_000_000_000)
        let session = try DTLSSession(
            role: role, certificate: certificate, remoteFingerprint: certificate.fingerprint,
            configuration: configuration, now: start)
        session.start(now: start)
        var events: [DTLSEvent] = []
        var deadline = Instant.distantFuture
        var now = start
        var transmitted = DTLSPair.drain(session, into: &events, deadline: &deadline).count
        var steps = 0
        while events.isEmpty, deadline < .distantFuture, steps < 1_000 {
            now = deadline
            session.handleTimeout(now: now)
            transmitted += DTLSPair.drain(session, into: &events, deadline: &deadline).count
            steps += 1
        }
        #expect(events == [.failed("handshake timeout")])
        #expect(now == start + .seconds(3))
        #expect(deadline == .distantFuture)
        if role == .server { #expect(transmitted == 0) } else { #expect(transmitted >= 1) }
    }

    @Test func rejectsUnsupportedRemoteFingerprints() throws {
        let certificate = try DTLSCertificate.generate()
        let md5 = DTLSFingerprint(algorithm: "md5", digest: Array(repeating: 0xAB, count: 16))
        let shortSHA256 = DTLSFingerprint(algorithm: "sha-256", digest: Array(repeating: 0xAB, count: 20))
        for fingerprint in [md5, shortSHA256] {
            #expect(throws: DTLSError.unsupportedFingerprint(fingerprint)) {
                _ = try DTLSSession(role: .client, certificate: certificate, remoteFingerprint: fingerprint, now: .zero)
            }
        }
        var configuration = DTLSConfiguration()
        configuration.profiles = []
        #expect(throws: DTLSError.noProtectionProfiles) {
            _ = try DTLSSession(
                role: .server, certificate: certificate, remoteFingerprint: certificate.fingerprint,
                configuration: configuration, now: .zero)
        }
    }
}
