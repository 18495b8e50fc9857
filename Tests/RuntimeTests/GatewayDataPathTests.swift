import Logging
import NIOCore
import NIOPosix
import Routing
@testable import Runtime
import Testing

/// Issue #9: a path's data device starts and stops with the path while the gateway runs (the
/// control API and reloads go through `addPath`, `replacePath` and `removePath`).
@Suite(.timeLimit(.minutes(1))) struct GatewayDataPathTests {
    @Test func dataDeviceFollowsThePathDefinition() async throws {
        var configuration = GatewayConfiguration()
        configuration.webRTCBindHost = "127.0.0.1"
        configuration.webRTCUDPPort = 0
        configuration.rtspServer = nil
        let gateway = Gateway(configuration: configuration, logger: Logger(label: "test"))
        try await gateway.start()
        let device = DataUDPSpec(host: "127.0.0.1", port: 0)

        try await gateway.addPath(PathDefinition(name: "iot", source: .publisher, dataDevices: [device]))
        let link = try #require(gateway.dataDevices["iot"])
        #expect(link.spec == device)
        let port = try #require(await link.localPort)
        #expect(gateway.router.path(named: "iot")?.dataBus.stats.readers == 1)

        // Replaced without a device: the old one stops and leaves the bus, no new one starts.
        try await gateway.replacePath(PathDefinition(name: "iot", source: .publisher))
        #expect(gateway.dataDevices["iot"] == nil)
        try await Self.expectFree(port)
        #expect(gateway.router.path(named: "iot")?.dataBus.stats.readers == 0)

        // Back with a device with options, then removed with the path.
        let binary = DataUDPSpec(host: "127.0.0.1", port: 0, format: .binary)
        try await gateway.replacePath(PathDefinition(name: "iot", source: .publisher, dataDevices: [binary]))
        let second = try #require(gateway.dataDevices["iot"])
        #expect(second.spec.format == .binary)
        let secondPort = try #require(await second.localPort)
        await gateway.removePath(named: "iot")
        #expect(gateway.dataDevices.isEmpty)
        try await Self.expectFree(secondPort)
        await gateway.stop()
    }

    /// The device's socket is closed: the port binds again without SO_REUSEADDR.
    static func expectFree(_ port: Int) async throws {
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: port).get()
        try await channel.close()
    }

    @Test func aDeviceThatCannotBindFailsThePathAndStartsNothing() async throws {
        var configuration = GatewayConfiguration()
        configuration.webRTCBindHost = "127.0.0.1"
        configuration.webRTCUDPPort = 0
        configuration.rtspServer = nil
        let gateway = Gateway(configuration: configuration, logger: Logger(label: "test"))
        try await gateway.start()
        // 192.0.2.1 (TEST-NET-1) is no local address: the bind fails.
        let unbindable = DataUDPSpec(host: "192.0.2.1", port: 7000)
        await #expect { try await gateway.addPath(PathDefinition(name: "iot", source: .publisher, dataDevices: [unbindable])) }
            throws: { "\($0)".contains("cannot bind data UDP") }
        #expect(gateway.dataDevices.isEmpty)
        #expect(gateway.router.path(named: "iot") == nil)
        await gateway.stop()
    }
}
