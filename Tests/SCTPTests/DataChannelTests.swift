import RTCBase
import Testing
@testable import SCTP

@Suite("DCEP messages (RFC 8832)")
struct DataChannelMessageTests {
    @Test("OPEN round-trips with every field; ACK is one byte")
    func roundTrip() throws {
        let open = DataChannelOpen(channelType: .partialReliableRexmitUnordered, priority: 512, reliabilityParameter: 3,
                                   label: "telemetry ✓", protocol: "json")
        let bytes = DataChannelMessage.open(open).bytes
        #expect(bytes[0] == 0x03 && bytes[1] == 0x81)
        #expect(try DataChannelMessage(parsing: bytes) == .open(open))
        #expect(DataChannelMessage.ack.bytes == [0x02])
        #expect(try DataChannelMessage(parsing: [0x02]) == .ack)
        #expect(open.reliability == .maxRetransmits(3))
        #expect(!open.channelType.isOrdered)
    }

    @Test("Malformed OPENs are refused with the reason")
    func malformed() {
        #expect(throws: DataChannelMessage.ParseError.empty) { try DataChannelMessage(parsing: []) }
        #expect(throws: DataChannelMessage.ParseError.unknownType(0x07)) { try DataChannelMessage(parsing: [0x07]) }
        #expect(throws: DataChannelMessage.ParseError.truncated) { try DataChannelMessage(parsing: [0x03, 0, 0, 0]) }
        #expect(throws: DataChannelMessage.ParseError.unknownChannelType(0x05)) {
            try DataChannelMessage(parsing: [0x03, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        }
        // Label length 4 but only 2 bytes follow.
        #expect(throws: DataChannelMessage.ParseError.truncated) {
            try DataChannelMessage(parsing: [0x03, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 65, 66])
        }
        #expect(throws: DataChannelMessage.ParseError.invalidUTF8) {
            try DataChannelMessage(parsing: [0x03, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0xFF])
        }
    }

    @Test("The label length cap: at the cap it parses, one past it is refused")
    func labelCap() throws {
        let atCap = DataChannelMessage.open(DataChannelOpen(label: String(repeating: "a", count: 16))).bytes
        #expect(try DataChannelMessage(parsing: atCap, maxFieldLength: 16) != .ack)
        let past = DataChannelMessage.open(DataChannelOpen(label: String(repeating: "a", count: 17))).bytes
        #expect(throws: DataChannelMessage.ParseError.tooLong(field: "label", limit: 16)) {
            try DataChannelMessage(parsing: past, maxFieldLength: 16)
        }
    }
}

/// Two data channel sessions joined in process (DTLS client and server), on virtual time.
@Suite("Data channels", .serialized)
struct DataChannelSessionTests {
    final class Pair {
        let client: DataChannelSession
        let server: DataChannelSession
        var now = Instant(nanoseconds: 5_000_000_000)
        var atClient: [DataChannelSession.Event] = []
        var atServer: [DataChannelSession.Event] = []

        init(server serverConfiguration: DataChannelSession.Configuration = .init()) throws {
            var clientConfiguration = DataChannelSession.Configuration()
            clientConfiguration.isDTLSClient = true
            client = try DataChannelSession(configuration: clientConfiguration, now: now)
            server = try DataChannelSession(configuration: serverConfiguration, now: now)
        }

        func run(steps: Int = 2_000, until done: () -> Bool) {
            for _ in 0..<steps {
                var moved = true
                while moved {
                    moved = false
                    for (from, to, fromClient) in [(client, server, true), (server, client, false)] {
                        for _ in 0..<10_000 {
                            let output = from.poll()
                            if case .timeout = output { break }
                            moved = true
                            switch output {
                            case .transmit(let packet): to.handle(packet: packet, now: now)
                            case .event(let event): if fromClient { atClient.append(event) } else { atServer.append(event) }
                            case .timeout: break
                            }
                        }
                    }
                }
                if done() { return }
                now = now + .milliseconds(10)
                client.handleTimeout(now: now)
                server.handleTimeout(now: now)
            }
        }

        func connect() {
            client.start(now: now)
            server.start(now: now)
            run { client.isConnected && server.isConnected }
        }

        static func messages(_ events: [DataChannelSession.Event]) -> [(UInt16, DataChannelSession.Payload)] {
            events.compactMap { if case .message(let id, let payload) = $0 { return (id, payload) } else { return nil } }
        }
    }

    @Test("In-band open: OPEN, ACK, text and binary both ways, empty messages included")
    func openAndExchange() throws {
        let pair = try Pair()
        pair.connect()
        let id = try pair.client.open(label: "chat", protocol: "v1")
        #expect(id % 2 == 0, "the DTLS client opens even stream ids")
        pair.run { pair.atClient.contains { if case .opened = $0 { true } else { false } } }
        let opened = pair.atServer.compactMap { if case .opened(let channel) = $0 { channel } else { nil } }
        #expect(opened.first?.label == "chat" && opened.first?.protocol == "v1" && opened.first?.ordered == true)
        #expect(pair.client.channels[id]?.state == .open)

        try pair.client.send(.text(Array("héllo".utf8)), on: id)
        try pair.client.send(.binary([0, 255]), on: id)
        try pair.client.send(.text([]), on: id)
        try pair.client.send(.binary([]), on: id)
        try pair.server.send(.text(Array("back".utf8)), on: id)
        pair.run { Pair.messages(pair.atServer).count == 4 && Pair.messages(pair.atClient).count == 1 }
        let received = Pair.messages(pair.atServer).map(\.1)
        #expect(received == [.text(Array("héllo".utf8)), .binary([0, 255]), .text([]), .binary([])])
        #expect(Pair.messages(pair.atClient).map(\.1) == [.text(Array("back".utf8))])
        #expect(pair.server.counters.messagesIn == 4 && pair.client.counters.messagesOut == 4)
        #expect(pair.client.bufferedAmount == 0)
    }

    @Test("Pre-negotiated channels need no OPEN; unordered partial-reliable channels carry their options")
    func negotiatedAndPartialReliability() throws {
        let pair = try Pair()
        pair.connect()
        try pair.client.open(label: "fixed", negotiatedID: 7)
        try pair.server.open(label: "fixed", negotiatedID: 7)
        try pair.client.send(.text(Array("x".utf8)), on: 7)
        pair.run { !Pair.messages(pair.atServer).isEmpty }
        #expect(Pair.messages(pair.atServer).first?.0 == 7)
        let lossy = try pair.server.open(label: "lossy", ordered: false, reliability: .maxLifetime(milliseconds: 150))
        #expect(lossy % 2 == 1, "the DTLS server opens odd stream ids")
        pair.run { pair.atClient.contains { if case .opened(let c) = $0 { c.id == lossy } else { false } } }
        let seen = pair.atClient.compactMap { if case .opened(let c) = $0, c.id == lossy { c } else { nil } }.first
        #expect(seen?.ordered == false)
        #expect(seen?.reliability == .maxLifetime(milliseconds: 150))
        #expect(throws: DataChannelSession.ChannelError.idInUse(7)) { try pair.client.open(label: "again", negotiatedID: 7) }
    }

    @Test("Closing a channel resets its streams on both sides and both see it closed")
    func closeChannel() throws {
        let pair = try Pair()
        pair.connect()
        let id = try pair.client.open(label: "bye")
        pair.run { pair.client.channels[id]?.state == .open }
        pair.client.close(id)
        pair.run { pair.atServer.contains(.closed(channel: id)) && pair.atClient.contains(.closed(channel: id)) }
        #expect(pair.atServer.contains(.closed(channel: id)))
        #expect(pair.atClient.contains(.closed(channel: id)))
        #expect(pair.server.channels[id] == nil && pair.client.channels[id] == nil)
        #expect(throws: DataChannelSession.ChannelError.noSuchChannel(id)) { try pair.client.send(.text([1]), on: id) }
    }

    @Test("The channel cap: the peer's OPEN at the limit is accepted, one past it refused and counted")
    func channelCap() throws {
        var serverConfiguration = DataChannelSession.Configuration()
        serverConfiguration.maxChannels = 2
        let pair = try Pair(server: serverConfiguration)
        pair.connect()
        let first = try pair.client.open(label: "1")
        let second = try pair.client.open(label: "2")
        let third = try pair.client.open(label: "3")
        pair.run { pair.server.counters.refusedOpens == 1 && pair.server.channels.count == 2 }
        #expect(pair.server.channels.keys.sorted() == [first, second])
        #expect(pair.server.counters.refusedOpens == 1)
        pair.run { pair.atClient.contains(.closed(channel: third)) }
        #expect(pair.atClient.contains(.closed(channel: third)), "the refused channel is closed at its opener")
    }

    @Test("Message size: at max-message-size it is sent, one byte more is refused before it leaves")
    func sendSizeCap() throws {
        let pair = try Pair()
        pair.connect()
        let id = try pair.client.open(label: "big")
        let limit = pair.client.configuration.association.maxMessageSize
        try pair.client.send(.binary([UInt8](repeating: 9, count: limit)), on: id)
        #expect(throws: DataChannelSession.ChannelError.tooLarge(size: limit + 1, limit: limit)) {
            try pair.client.send(.binary([UInt8](repeating: 9, count: limit + 1)), on: id)
        }
        pair.run { !Pair.messages(pair.atServer).isEmpty }
        #expect(Pair.messages(pair.atServer).first?.1.bytes.count == limit)
    }

    @Test("Data on a stream nobody opened is dropped and counted; the session carries on")
    func unknownStream() throws {
        let pair = try Pair()
        pair.connect()
        try pair.client.association.send(stream: 40, ppid: DataChannelMessage.PPID.string, payload: [1, 2])
        try pair.client.association.send(stream: 42, ppid: DataChannelMessage.PPID.dcep, payload: [0x99])
        let id = try pair.client.open(label: "ok")
        try pair.client.send(.text([65]), on: id)
        pair.run { !Pair.messages(pair.atServer).isEmpty }
        #expect(pair.server.counters.dropped == 2)
        #expect(Pair.messages(pair.atServer).map(\.1) == [.text([65])])
    }
}
