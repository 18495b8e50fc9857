import ICE
import NIOCore
import NIOPosix
import RTCBase

extension Gateway {
    /// Logs the ICE servers, starts the STUN client and the ICE-TCP listener when configured.
    func startTraversal() async throws {
        if !configuration.iceServers.isEmpty {
            logger.info("ICE servers", metadata: ["servers": "\(configuration.iceServers.map(\.description))"])
        }
        await startServerReflexive()
        if configuration.webRTCTCP.port != nil {
            let port = try await transport.listenTCP(host: configuration.webRTCBindHost, settings: configuration.webRTCTCP, group: group)
            logger.info("WebRTC TCP listening (ICE-TCP passive)", metadata: ["port": "\(port)"])
        }
    }

    /// With a `stun:` server configured: resolves it (IPv4 unless the WebRTC socket is bound to
    /// IPv6) and starts the Binding rounds from the WebRTC socket. An unresolvable name is logged,
    /// not fatal: the host candidates still work without it.
    func startServerReflexive() async {
        guard let stun = configuration.iceServers.first(where: { $0.scheme == .stun }) else { return }
        let wantsIPv6 = configuration.webRTCBindHost.contains(":")
        let port = UInt16(clamping: stun.port)
        var server = TransportAddress(host: stun.host, port: port)
        if server == nil {
            let resolved = try? await NIOThreadPool.singleton.runIfActive {
                try SocketAddress.makeAddressResolvingHost(stun.host, port: stun.port)
            }
            server = resolved.flatMap { TransportAddress($0) }
        }
        guard let server, server.isIPv4 != wantsIPv6 else {
            logger.warning("cannot use the STUN server (unresolvable, or of the other IP family)", metadata: ["server": "\(stun)"])
            return
        }
        transport.startServerReflexive(server: server, configuration: configuration.serverReflexive)
        logger.info("asking the STUN server for the server-reflexive address", metadata: ["server": "\(stun)", "address": "\(server)"])
    }
}
