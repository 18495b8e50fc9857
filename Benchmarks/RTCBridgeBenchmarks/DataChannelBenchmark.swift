import DTLS
import Foundation
import RTCBase
import Routing
import SCTP
import WebRTC
import WebRTCTestSupport

/// Data channels (issue #9), two cases on one core:
/// - `session`: one gateway `WebRTCSession` sends 200-byte binary messages to the in-process
///   browser stand-in over SCTP in DTLS (both ends' work is in the time: an upper bound on the
///   gateway's cost), on a perfect virtual network; every message must arrive.
/// - `bus`: the data bus fan-out, one publish → `readers` queues → each reader drains.
struct DataChannelBenchmark {
    struct Result {
        var messages: Int
        var seconds: Double
        var messagesPerSecond: Double { Double(messages) / seconds }
    }

    /// A gateway session and a browser stand-in (at 127.0.0.1:`browserPort`), connected on
    /// virtual time from `start`, with one channel the browser opened; its id.
    static func openChannel(browserPort: UInt16, start: Instant, certificate: DTLSCertificate? = nil) throws
        -> (pair: PeerPairDriver, channel: UInt16) {
        guard let gatewayAddress = TransportAddress(host: "127.0.0.1", port: 8189),
              let browserAddress = TransportAddress(host: "127.0.0.1", port: browserPort) else { throw BenchmarkError("bad address") }
        var pair = try PeerPairDriver.make(gatewayCertificate: certificate, gatewayAddress: gatewayAddress,
                                           browserAddress: browserAddress, start: start, dataChannels: .init())
        guard pair.run(until: { $0.browser.dataChannels?.isConnected == true && $0.gateway.isConnected }) else {
            throw BenchmarkError("did not connect")
        }
        let id = try pair.browser.openDataChannel(label: "bench", now: pair.now)
        guard pair.run(until: { $0.gateway.dataChannels[id]?.state == .open }) else { throw BenchmarkError("channel did not open") }
        pair.browser.clearDataChannelEvents()
        pair.gatewayEvents.removeAll()
        return (pair, id)
    }

    /// Which end sends: the gateway (to the browser, as the fan-out does) or the browser (uplink).
    enum Direction { case toBrowser, toGateway }

    static func session(messages: Int, size: Int = 200, direction: Direction = .toBrowser) throws -> Result {
        let opened = try openChannel(browserPort: 50_000, start: Instant(nanoseconds: 1_000_000_000))
        var pair = opened.pair
        let id = opened.channel
        let payload = DataChannelSession.Payload.binary([UInt8](repeating: 0xAB, count: size))
        var sent = 0, received = 0
        let clock = ContinuousClock()
        let started = clock.now
        for _ in 0..<(messages * 100) {
            sending: while sent < messages {
                switch direction {
                case .toBrowser:
                    guard pair.gateway.dataChannelBufferedAmount < 256 << 10 else { break sending }
                    try pair.gateway.sendData(payload, on: id, now: pair.now)
                case .toGateway:
                    guard (pair.browser.dataChannels?.bufferedAmount ?? 0) < 1 << 20 else { break sending }
                    try pair.browser.sendData(payload, on: id, now: pair.now)
                }
                sent += 1
            }
            pair.step(limit: .milliseconds(1))
            received += pair.browser.dataChannelEvents.count { if case .message = $0 { true } else { false } }
            received += pair.gatewayEvents.count { if case .dataChannel(.message) = $0 { true } else { false } }
            pair.browser.clearDataChannelEvents()
            pair.gatewayEvents.removeAll(keepingCapacity: true)
            if received >= messages { break }
        }
        let seconds = (clock.now - started).secondsDouble
        guard received == messages else { throw BenchmarkError("received \(received) of \(messages)") }
        return Result(messages: messages, seconds: seconds)
    }

    static func bus(readers count: Int, messages: Int, size: Int = 200) throws -> Result {
        let bus = DataBus()
        let readers = try (0..<count).map { try bus.addReader(role: .viewer, kind: "whep", name: "\($0)") {} }
        let message = DataMessage(payload: [UInt8](repeating: 0x42, count: size), isText: false)
        var delivered = 0
        let clock = ContinuousClock()
        let started = clock.now
        for _ in 0..<messages {
            bus.publish(message)
            for reader in readers { delivered += reader.drain(max: 16).count }
        }
        let seconds = (clock.now - started).secondsDouble
        guard delivered == count * messages else { throw BenchmarkError("delivered \(delivered)") }
        return Result(messages: delivered, seconds: seconds)
    }
}
