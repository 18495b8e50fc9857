import ICE
import Logging
import NIOEmbedded
import RTCBase
@testable import Runtime
import Testing
import WebRTCTestSupport

/// The transport's address table follows ICE: a session that keeps sending authenticated checks
/// from new addresses (a roaming or hostile viewer) never holds more routes than ICE's validation
/// cap, and none once it ends.
@Suite struct WebRTCTransportRoutingTests {
    @Test func routedAddressesStayWithinTheValidationCap() throws {
        let loop = EmbeddedEventLoop()
        let transport = WebRTCTransport(eventLoops: [loop], logger: Logger(label: "test"))
        let gateway = try #require(TransportAddress(host: "127.0.0.1", port: 8189))
        let browser = try #require(TransportAddress(host: "127.0.0.1", port: 50_000))
        // The peer reads the runtime clock, so the session starts on it too.
        let pair = try PeerPairDriver.make(gatewayAddress: gateway, browserAddress: browser, start: RuntimeClock.now())
        let socket = transport.assignSocket()
        let peer = WebRTCPeer(id: "roamer", session: pair.gateway, transport: transport, socket: socket)
        transport.register(peer)
        let cap = ICELiteConfiguration().maxValidatedAddresses
        var most = 0
        for index in 0..<40 {
            let check = try #require(ICECheckRequest.make(local: pair.browser.credentials,
                                                          remote: pair.gateway.localICECredentials, tieBreaker: 1))
            let source = try #require(TransportAddress(host: "127.0.0.\(1 + index % 4)", port: UInt16(40_000 + index)))
            transport.receive(check.bytes, from: source, on: socket)
            most = max(most, transport.routedAddressCount)
        }
        #expect(most == cap, "routes held at most \(most), ICE validates \(cap)")
        #expect(pair.gateway.counters.stunRejected == 0)
        transport.unregister(peer)
        #expect(transport.routedAddressCount == 0)
    }
}
