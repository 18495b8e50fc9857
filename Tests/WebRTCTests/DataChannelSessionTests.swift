import DTLS
import RTCBase
import SCTP
import Testing
import TestSupport
import WebRTC
import WebRTCTestSupport

/// Data channels through the whole session (SCTP in DTLS records) between a gateway session and
/// the in-process browser stand-in, on virtual time. Serialized: usrsctp's timer wheel is global.
@Suite(.serialized) struct DataChannelSessionTests {
    static let gatewayAddress = TransportAddress(host: "127.0.0.1", port: 8189)!
    static let browserAddress = TransportAddress(host: "127.0.0.1", port: 50002)!

    static func makePair(gateway: DataChannelSession.Configuration? = .init(),
                         browser: DataChannelSession.Configuration = .init()) throws -> PeerPairDriver {
        var dtls = DTLSConfiguration()
        dtls.initialRetransmitTimeout = .milliseconds(25)
        return try PeerPairDriver.make(dtls: dtls, gatewayAddress: gatewayAddress, browserAddress: browserAddress,
                                       start: Instant(nanoseconds: 5_000_000_000), dataChannels: browser) {
            $0.dataChannels = gateway
        }
    }

    /// Connects, and opens one browser channel the gateway reports; returns its id.
    static func openChannel(_ pair: inout PeerPairDriver, label: String = "telemetry") throws -> UInt16 {
        #expect(pair.run { $0.browser.dataChannels?.isConnected == true })
        let id = try pair.browser.openDataChannel(label: label, now: pair.now)
        let opened = WebRTCSession.Event.dataChannel(.opened(id: id, label: label, protocol: ""))
        #expect(pair.run { $0.gatewayEvents.contains(opened) })
        return id
    }

    static func messages(_ events: [WebRTCSession.Event]) -> [DataChannelEvent] {
        events.compactMap { event -> DataChannelEvent? in
            guard case .dataChannel(let data) = event, case .message = data else { return nil }
            return data
        }
    }

    @Test func browserChannelCarriesMessagesBothWays() throws {
        var pair = try Self.makePair()
        let id = try Self.openChannel(&pair)
        #expect(id % 2 == 0)   // the browser is the DTLS client: even ids (RFC 8832 §6)
        #expect(pair.gateway.dataChannels[id]?.label == "telemetry")

        try pair.browser.sendData(.text(Array("hello".utf8)), on: id, now: pair.now)
        try pair.browser.sendData(.binary([1, 2, 3]), on: id, now: pair.now)
        try pair.browser.sendData(.binary([]), on: id, now: pair.now)
        #expect(pair.run { Self.messages($0.gatewayEvents).count == 3 })
        #expect(Self.messages(pair.gatewayEvents) == [
            .message(channel: id, label: "telemetry", .text(Array("hello".utf8))),
            .message(channel: id, label: "telemetry", .binary([1, 2, 3])),
            .message(channel: id, label: "telemetry", .binary([])),
        ])

        try pair.gateway.sendData(.text(Array("ack".utf8)), on: id, now: pair.now)
        let reply = DataChannelSession.Event.message(channel: id, .text(Array("ack".utf8)))
        #expect(pair.run { $0.browser.dataChannelEvents.contains(reply) })
        let counters = try #require(pair.gateway.dataChannelCounters)
        #expect(counters.messagesIn == 3 && counters.messagesOut == 1 && counters.bytesIn == 8)
    }

    @Test func gatewayOpensChannelWithOddID() throws {
        var pair = try Self.makePair()
        #expect(pair.run { $0.browser.dataChannels?.isConnected == true })
        #expect(pair.run { $0.gateway.dataChannels.isEmpty && $0.gateway.isConnected })
        let id = try pair.gateway.openDataChannel(label: "gateway", now: pair.now)
        #expect(id % 2 == 1)
        let opened = WebRTCSession.Event.dataChannel(.opened(id: id, label: "gateway", protocol: ""))
        #expect(pair.run { $0.gatewayEvents.contains(opened) })
        try pair.gateway.sendData(.binary([9]), on: id, now: pair.now)
        let message = DataChannelSession.Event.message(channel: id, .binary([9]))
        #expect(pair.run { $0.browser.dataChannelEvents.contains(message) })
    }

    @Test func messageSizeCapAtLimitAndOnePast() throws {
        var gateway = DataChannelSession.Configuration()
        gateway.association.maxMessageSize = 1_024
        var pair = try Self.makePair(gateway: gateway)
        let id = try Self.openChannel(&pair)
        try pair.browser.sendData(.binary([UInt8](repeating: 7, count: 1_025)), on: id, now: pair.now)
        try pair.browser.sendData(.binary([UInt8](repeating: 8, count: 1_024)), on: id, now: pair.now)
        #expect(pair.run { Self.messages($0.gatewayEvents).count == 1 })
        pair.advance(to: pair.now + .milliseconds(200))
        #expect(Self.messages(pair.gatewayEvents) == [.message(channel: id, label: "telemetry", .binary([UInt8](repeating: 8, count: 1_024)))])
        #expect(pair.gateway.dataChannelDroppedMessages == 1)
        // Our own sends are held to the cap too.
        #expect(throws: DataChannelSession.ChannelError.tooLarge(size: 1_025, limit: 1_024)) {
            try pair.gateway.sendData(.binary([UInt8](repeating: 0, count: 1_025)), on: id, now: pair.now)
        }
    }

    @Test func closedChannelIsReported() throws {
        var pair = try Self.makePair()
        let id = try Self.openChannel(&pair)
        pair.gateway.closeDataChannel(id, now: pair.now)
        let closed = WebRTCSession.Event.dataChannel(.closed(channel: id, label: "telemetry"))
        #expect(pair.run { $0.gatewayEvents.contains(closed) })
        #expect(pair.gateway.dataChannels.isEmpty)
    }

    @Test func sessionWithoutDataChannelsDropsSCTP() throws {
        var pair = try Self.makePair(gateway: nil)
        #expect(pair.run { $0.gateway.counters.droppedDatagrams > 0 && $0.browser.isConnected })
        #expect(pair.gateway.dataChannelCounters == nil)
        #expect(throws: DataChannelSession.ChannelError.notConnected) {
            try pair.gateway.sendData(.binary([1]), on: 1, now: pair.now)
        }
        #expect(pair.gateway.isConnected)   // media goes on
    }
}
