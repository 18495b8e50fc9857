import DTLS
import RTCBase
import SRTP
import Testing

@Suite("DTLS session after the handshake")
struct DTLSSessionLifecycleTests {
    static func connectedPair() throws -> DTLSPair {
        let pair = try DTLSPair()
        pair.run { $0.bothConnected || $0.anyFailed }
        try #require(pair.bothConnected)
        return pair
    }

    @Test func applicationDataFlowsBothWays() throws {
        let pair = try Self.connectedPair()
        try pair.client.send(applicationData: [1, 2, 3])
        try pair.server.send(applicationData: Array(repeating: 0x5A, count: 1_000))
        pair.exchange()
        pair.exchange()
        #expect(pair.serverEvents.last == .applicationData([1, 2, 3]))
        #expect(pair.clientEvents.last == .applicationData(Array(repeating: 0x5A, count: 1_000)))
    }

    @Test func garbageMidSessionIsDroppedAndSessionContinues() throws {
        let pair = try Self.connectedPair()
        let now = pair.now
        let truncatedHeader: [UInt8] = [23, 0xFE, 0xFD, 0, 1]
        let wrongLength: [UInt8] = [23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0xFF, 0xFF, 1, 2, 3]
        let unknownType: [UInt8] = [63] + Array(repeating: 0x42, count: 40)
        for garbage in [truncatedHeader, wrongLength, unknownType, []] {
            pair.server.handle(datagram: garbage, now: now)
        }
        #expect(pair.server.droppedDatagrams == 4)
        // Well-framed epoch-1 application data with a forged body: OpenSSL discards it
        // (bad record MAC, RFC 6347 §4.1.2.7) without failing the session.
        var forged: [UInt8] = [23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 99, 0, 40]
        forged += Array(repeating: 0x99, count: 40)
        pair.server.handle(datagram: forged, now: now)
        #expect(pair.server.droppedDatagrams == 4)
        #expect(pair.server.isConnected)

        try pair.client.send(applicationData: [7, 7, 7])
        pair.exchange()
        #expect(pair.serverEvents.last == .applicationData([7, 7, 7]))
        #expect(!pair.serverEvents.contains(where: DTLSPair.isFailure))
    }

    @Test func closeNotifyClosesThePeer() throws {
        let pair = try Self.connectedPair()
        pair.client.close()
        #expect(!pair.client.isConnected)
        let clientSentBefore = pair.clientSent.count
        let serverSentBefore = pair.serverSent.count
        pair.exchange()
        #expect(pair.clientSent.count == clientSentBefore + 1)  // the close_notify alert
        #expect(pair.clientSent.last?.first == 21)
        #expect(pair.serverEvents.last == .closed)
        #expect(!pair.server.isConnected)
        #expect(pair.serverSent.count == serverSentBefore + 1)  // the server's own close_notify
        #expect(pair.server.poll() == .timeout(.distantFuture))
        // Input after close is dropped and counted.
        pair.server.handle(datagram: [23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0], now: pair.now)
        #expect(pair.server.droppedDatagrams == 1)
        #expect(throws: DTLSError.notConnected) { try pair.server.send(applicationData: [1]) }
    }

    @Test func sendChecksStateAndSize() throws {
        let certificate = try DTLSCertificate.generate()
        let idle = try DTLSSession(
            role: .client, certificate: certificate, remoteFingerprint: certificate.fingerprint, now: .zero)
        #expect(throws: DTLSError.notConnected) { try idle.send(applicationData: [1]) }
        // A client that has not started drops input.
        idle.handle(datagram: [22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], now: .zero)
        #expect(idle.droppedDatagrams == 1)
        #expect(idle.poll() == .timeout(.distantFuture))

        let pair = try Self.connectedPair()
        let limit = pair.client.configuration.maxApplicationDataSize
        #expect(throws: DTLSError.applicationDataSize(0, limit: limit)) { try pair.client.send(applicationData: []) }
        #expect(throws: DTLSError.applicationDataSize(limit + 1, limit: limit)) {
            try pair.client.send(applicationData: Array(repeating: 0, count: limit + 1))
        }
        try pair.client.send(applicationData: Array(repeating: 1, count: limit))
        pair.exchange()
        #expect(pair.serverEvents.last == .applicationData(Array(repeating: 1, count: limit)))
    }

    /// Once connected, neither side keeps OpenSSL's record buffers (~33 KiB); they are taken back
    /// for every later read or write (application data, close_notify) and given back again.
    @Test func recordBuffersAreReleasedWhileIdleAndTakenForEachUse() throws {
        let pair = try Self.connectedPair()
        #expect(pair.client.hasReleasedRecordBuffers && pair.server.hasReleasedRecordBuffers)
        for round in 0..<3 {
            let message = [UInt8](repeating: UInt8(round), count: 100 + round)
            try pair.client.send(applicationData: message)
            #expect(pair.client.hasReleasedRecordBuffers)
            try pair.server.send(applicationData: message.reversed())
            pair.exchange()
            pair.exchange()
            #expect(pair.serverEvents.last == .applicationData(message))
            #expect(pair.clientEvents.last == .applicationData(message.reversed()))
            #expect(pair.client.hasReleasedRecordBuffers && pair.server.hasReleasedRecordBuffers)
        }
        pair.server.close()
        pair.exchange()   // the server's close_notify reaches the client…
        pair.exchange()   // …whose answer and `.closed` event are drained here
        #expect(pair.serverSent.last?.first == 21)   // close_notify, written after taking the buffers back
        #expect(pair.clientEvents.last == .closed)
        #expect(pair.server.hasReleasedRecordBuffers && pair.client.hasReleasedRecordBuffers)
    }

    @Test func demultiplexesByFirstByte() {
        #expect(!DTLSSession.isDTLS(firstByte: 19))
        #expect(DTLSSession.isDTLS(firstByte: 20))
        #expect(DTLSSession.isDTLS(firstByte: 63))
        #expect(!DTLSSession.isDTLS(firstByte: 64))
        #expect(!DTLSSession.isDTLS(firstByte: 0x80))
    }
}
