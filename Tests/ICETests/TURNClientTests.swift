import ICE
import RTCBase
import STUN
import Testing

/// A TURN server in process, just enough of RFC 8656 for the client's state machine: long-term
/// credentials with a nonce it can make stale, allocation, refresh, permissions, channels.
struct FakeTURNServer {
    let address = host(198, 51, 100, 200, port: 3478)
    let relayed = host(198, 51, 100, 200, port: 49_152)
    let realm = "example.org"
    var credentials = STUNLongTermCredentials(username: "alice", password: "secret")
    var nonce = "nonce-1"
    var allocated = false
    var lifetime: UInt32 = 600
    /// Answer every Allocate with this error instead (e.g. 486).
    var allocateError: STUNErrorCode?
    var silent = false
    var permissions: Set<[UInt8]> = []
    var channels: [UInt16: TransportAddress] = [:]
    var methods: [STUNMethod] = []
    var received: [(peer: TransportAddress, data: [UInt8], viaChannel: Bool)] = []

    var key: [UInt8] { credentials.key(realm: realm) ?? [] }

    mutating func handle(_ bytes: [UInt8], from client: TransportAddress) -> [[UInt8]] {
        guard !silent else { return [] }
        if TURNChannelData.isChannelData(bytes[...]) {
            if let message = TURNChannelData(parsing: bytes[...], maxDataLength: 4000),
               let peer = channels[message.channel] {
                received.append((peer, Array(message.data), true))
            }
            return []
        }
        guard let message = try? STUNMessage(parsing: bytes) else { return [] }
        if message.type == STUNMessageType(method: .send, messageClass: .indication) {
            if let peer = message.xorPeerAddress, let data = message.data, permissions.contains(peer.ip) {
                received.append((peer, data, false))
            }
            return []
        }
        guard message.type.messageClass == .request else { return [] }
        methods.append(message.type.method)
        func answer(_ cls: STUNClass, _ attributes: [STUNAttribute], integrity: Bool = true) -> [[UInt8]] {
            let response = STUNMessage(type: STUNMessageType(method: message.type.method, messageClass: cls),
                                       transactionID: message.transactionID, attributes: attributes)
            return [(try? response.encoded(integrityKey: integrity ? key : nil, addFingerprint: true)) ?? []]
        }
        guard message.messageIntegrity != nil, message.username == credentials.username,
              STUNMessage.verifyMessageIntegrity(bytes[...], key: key) else {
            return answer(.errorResponse, [.errorCode(.unauthorized), .realm(realm), .nonce(nonce)], integrity: false)
        }
        guard message.nonce == nonce else {
            return answer(.errorResponse, [.errorCode(.staleNonce), .realm(realm), .nonce(nonce)], integrity: false)
        }
        switch message.type.method {
        case .allocate:
            if let allocateError { return answer(.errorResponse, [.errorCode(allocateError)]) }
            allocated = true
            return answer(.successResponse, [.xorRelayedAddress(relayed), .xorMappedAddress(client), .lifetime(lifetime)])
        case .refresh:
            let requested = message.lifetime ?? lifetime
            if requested == 0 { allocated = false }
            return answer(.successResponse, [.lifetime(requested == 0 ? 0 : lifetime)])
        case .createPermission:
            if let peer = message.xorPeerAddress { permissions.insert(peer.ip) }
            return answer(.successResponse, [])
        case .channelBind:
            guard let peer = message.xorPeerAddress, let channel = message.channelNumber else { return [] }
            channels[channel] = peer
            permissions.insert(peer.ip)
            return answer(.successResponse, [])
        default:
            return answer(.errorResponse, [.errorCode(.badRequest)])
        }
    }

    /// A datagram from `peer` to the relayed address, as a Data indication or on its channel.
    func relay(_ data: [UInt8], from peer: TransportAddress) -> [UInt8] {
        if let channel = channels.first(where: { $0.value == peer })?.key {
            return TURNChannelData(channel: channel, data: data[...]).encoded() ?? []
        }
        let indication = STUNMessage(type: STUNMessageType(method: .data, messageClass: .indication),
                                     transactionID: .random(), attributes: [.xorPeerAddress(peer), .data(data)])
        return (try? indication.encoded()) ?? []
    }
}

@Suite struct TURNClientTests {
    let client = host(10, 0, 0, 2, port: 5000)
    let peer = host(192, 0, 2, 77, port: 7000)

    /// Pumps client ↔ server at `now` (no delay) until quiet; returns the client's events and
    /// its next deadline.
    @discardableResult
    func pump(_ turn: inout TURNClient, _ server: inout FakeTURNServer, now: Instant)
        -> (events: [TURNEvent], deadline: Instant) {
        var events: [TURNEvent] = []
        for _ in 0..<100 {
            var replies: [[UInt8]] = []
            var deadline = Instant.distantFuture
            while true {
                let output = turn.poll()
                switch output {
                case .transmit(let bytes, let to):
                    #expect(to == server.address)
                    replies += server.handle(bytes, from: client)
                case .event(let event): events.append(event)
                case .timeout(let next): deadline = next
                }
                if case .timeout = output { break }
            }
            if replies.isEmpty { return (events, deadline) }
            for reply in replies { turn.handleDatagram(reply[...], from: server.address, now: now) }
        }
        return (events, .distantFuture)
    }

    /// Runs timers from `from` to `to`, pumping at each deadline. Bounded.
    func advance(_ turn: inout TURNClient, _ server: inout FakeTURNServer, from: Instant, to end: Instant)
        -> [TURNEvent] {
        var events: [TURNEvent] = []
        var (more, deadline) = pump(&turn, &server, now: from)
        events += more
        for _ in 0..<1000 where deadline <= end {
            turn.handleTimeout(now: deadline)
            (more, deadline) = pump(&turn, &server, now: deadline)
            events += more
        }
        return events
    }

    @Test func allocatePermissionChannelRefreshAndDeallocate() throws {
        var server = FakeTURNServer()
        var turn = TURNClient(server: server.address, credentials: server.credentials)
        turn.allocate(now: at(0))
        let allocation = pump(&turn, &server, now: at(0)).events
        // 401 with realm and nonce, then the authenticated retry.
        #expect(server.methods == [.allocate, .allocate])
        #expect(allocation == [.allocated(relayed: server.relayed, mapped: client, lifetime: .seconds(600))])
        #expect(turn.state == .allocated && turn.relayedAddress == server.relayed)

        // Send indication before a channel exists (creating the permission first).
        let step1 = turn.send([1, 2, 3][...], to: peer, now: at(1))
        #expect(step1)
        let permissionEvents = pump(&turn, &server, now: at(1)).events
        #expect(permissionEvents == [.permissionCreated(peer: TransportAddress(ip: peer.ip, port: 0) ?? peer)])
        #expect(server.received.count == 1 && server.received.first?.data == [1, 2, 3])
        #expect(server.received.first?.viaChannel == false)

        let step2 = turn.bindChannel(peer, now: at(2))
        #expect(step2)
        let step3 = pump(&turn, &server, now: at(2)).events
        #expect(step3 == [.channelBound(peer: peer, channel: 0x4000)])
        let step4 = turn.send([4, 5][...], to: peer, now: at(2))
        #expect(step4)
        pump(&turn, &server, now: at(2))
        #expect(server.received.last?.viaChannel == true && server.received.last?.data == [4, 5])

        // Inbound: on the channel and as a Data indication from another peer with a permission.
        let other = host(192, 0, 2, 77, port: 7001)
        turn.handleDatagram(server.relay([9, 9], from: peer)[...], from: server.address, now: at(3))
        turn.handleDatagram(server.relay([8], from: other)[...], from: server.address, now: at(3))
        let step5 = pump(&turn, &server, now: at(3)).events
        #expect(step5 == [.data([9, 9], from: peer), .data([8], from: other)])

        // Ten minutes on: permission refreshes (240 s), channel (540 s) and allocation (540 s),
        // one of them meeting a stale nonce.
        server.nonce = "nonce-2"
        server.methods.removeAll()
        let later = advance(&turn, &server, from: at(3), to: at(600))
        #expect(later.contains(.refreshed(lifetime: .seconds(600))))
        #expect(server.methods.filter { $0 == .refresh }.count >= 1)
        #expect(server.methods.filter { $0 == .createPermission }.count >= 2)
        #expect(server.methods.filter { $0 == .channelBind }.count >= 1)
        #expect(turn.state == .allocated)
        #expect(!later.contains { if case .failed = $0 { true } else { false } })

        turn.deallocate(now: at(601))
        let step6 = pump(&turn, &server, now: at(601)).events
        #expect(step6 == [.deallocated])
        #expect(turn.state == .closed && !server.allocated)
        let afterClose = turn.send([1][...], to: peer, now: at(602))
        #expect(!afterClose)
    }

    @Test func wrongPasswordFailsAfterOneChallenge() {
        var server = FakeTURNServer()
        var turn = TURNClient(server: server.address, credentials: STUNLongTermCredentials(username: "alice", password: "nope"))
        turn.allocate(now: at(0))
        let step7 = pump(&turn, &server, now: at(0)).events
        #expect(step7 == [.failed(.unauthorized)])
        #expect(server.methods.count == 2)
        #expect(turn.state == .failed)
    }

    @Test func quotaErrorFailsTheAllocation() {
        var server = FakeTURNServer()
        server.allocateError = .allocationQuotaReached
        var turn = TURNClient(server: server.address, credentials: server.credentials)
        turn.allocate(now: at(0))
        let step8 = pump(&turn, &server, now: at(0)).events
        #expect(step8 == [.failed(.server(.allocationQuotaReached))])
    }

    @Test func silentServerTimesOutAfterAllAttempts() {
        var server = FakeTURNServer()
        server.silent = true
        var configuration = TURNConfiguration()
        configuration.maxAttempts = 4
        var turn = TURNClient(server: server.address, credentials: server.credentials, configuration: configuration)
        turn.allocate(now: at(0))
        let events = advance(&turn, &server, from: at(0), to: at(60))
        #expect(events == [.failed(.timeout)])
        #expect(turn.requestsSent == 4)
    }

    @Test func strangersAndGarbageAreDroppedAndCounted() {
        var server = FakeTURNServer()
        var turn = TURNClient(server: server.address, credentials: server.credentials)
        turn.allocate(now: at(0))
        pump(&turn, &server, now: at(0))
        let stranger = turn.handleDatagram(server.relay([1], from: peer)[...], from: peer, now: at(1))
        #expect(!stranger)
        // No permission for this peer, unknown channel, garbage, a stray response.
        let unpermitted = turn.handleDatagram(server.relay([1], from: peer)[...], from: server.address, now: at(1))
        #expect(!unpermitted)
        let unknownChannel = turn.handleDatagram([0x40, 0x05, 0, 1, 7][...], from: server.address, now: at(1))
        #expect(!unknownChannel)
        let garbage = turn.handleDatagram([0x01, 0x02, 0x03][...], from: server.address, now: at(1))
        #expect(!garbage)
        #expect(turn.droppedDatagrams == 4)
        #expect(turn.state == .allocated)
    }

    @Test func ephemeralCredentialsAuthenticateLikeStaticOnes() throws {
        let ephemeral = try #require(STUNLongTermCredentials.ephemeral(secret: "s3cret", user: "gw",
                                                                       expiresAtUnixSeconds: 2_000_000_000))
        #expect(ephemeral.username == "2000000000:gw")
        var server = FakeTURNServer(credentials: ephemeral)
        var turn = TURNClient(server: server.address, credentials: ephemeral)
        turn.allocate(now: at(0))
        let events = pump(&turn, &server, now: at(0)).events
        #expect(events.count == 1)
        #expect(turn.state == .allocated)
    }
}
