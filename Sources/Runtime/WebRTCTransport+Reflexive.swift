import ICE
import NIOCore
import RTCBase

extension WebRTCTransport {
    /// Starts learning the server-reflexive address from `server` (after `bind`); replaces an
    /// earlier STUN client.
    public func startServerReflexive(server: TransportAddress, configuration: ServerReflexiveConfiguration = .init()) {
        let driver = ServerReflexiveDriver(server: server, configuration: configuration, socket: sockets[0], logger: logger)
        let old = traversal.reflexive.withLock { current in
            defer { current = driver }
            return current
        }
        old?.stop()
        driver.start()
    }

    func stopServerReflexive() {
        traversal.reflexive.withLock { current in
            defer { current = nil }
            return current
        }?.stop()
    }

    /// The gateway's address as the STUN server last saw it; nil without STUN or without an answer.
    public var serverReflexiveAddress: TransportAddress? { traversal.reflexive.withLock { $0 }?.mappedAddress }
}
