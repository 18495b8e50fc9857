import Foundation
import NIOCore
import RTSP

/// RTSP readers and publishers for the control API: listed next to the WebRTC sessions, and
/// kicked like a TEARDOWN (readers get RTCP BYE, the connection closes).
extension RTSPServer {
    /// One RTSP session with media (after PLAY or RECORD).
    public struct SessionSample: Sendable, Equatable {
        /// `rtsp-…`: the API's id, not the RTSP Session header's.
        public var id: String
        public var path: String
        public var action: RTSPAccess
        /// "ip:port" of the TCP connection.
        public var remoteAddress: String
        /// `udp` or `tcp` (interleaved).
        public var transport: String
        public var packetsSent: Int
        public var bytesSent: Int
        public var packetsReceived: Int
        public var bytesReceived: Int
        public var startedAt: Date
        /// Whether it reads the path (PLAY); else it publishes (RECORD).
        public var reads: Bool { action == .read }
    }

    /// The sessions with media, each read on its connection's own loop.
    public func sessions() async -> [SessionSample] {
        var samples: [SessionSample] = []
        for connection in connectionList() {
            let sample = try? await connection.channel.eventLoop.submit { connection.sessionSample() }.get()
            if let found = sample ?? nil { samples.append(found) }
        }
        return samples
    }

    /// Ends the session `id` lists under (TEARDOWN semantics: RTCP BYE to a reader, the
    /// connection closes); false when there is none.
    public func closeSession(id: String) async -> Bool {
        for connection in connectionList() where connection.apiID == id {
            let closed = try? await connection.channel.eventLoop.submit { () -> Bool in
                guard connection.sessionSample() != nil else { return false }
                connection.logger.info("RTSP session ended by the control API", metadata: ["session": "\(id)"])
                connection.close()
                return true
            }.get()
            return closed ?? false
        }
        return false
    }
}

extension RTSPServerConnection {
    /// This connection's session, when it plays or records (on the connection's loop).
    func sessionSample() -> RTSPServer.SessionSample? {
        guard !isClosed, let startedAt = mediaStartedAt else { return nil }
        let remote = peer?.description ?? "?"
        let transport = clientPorts.isEmpty ? "tcp" : "udp"
        if let playback, let readPath {
            return RTSPServer.SessionSample(id: apiID, path: readPath.name, action: .read, remoteAddress: remote,
                                            transport: transport, packetsSent: playback.stats.packetsSent,
                                            bytesSent: playback.stats.bytesSent, packetsReceived: 0, bytesReceived: 0,
                                            startedAt: startedAt)
        }
        if recording != nil, let publishPath {
            return RTSPServer.SessionSample(id: apiID, path: publishPath.name, action: .publish, remoteAddress: remote,
                                            transport: transport, packetsSent: 0, bytesSent: 0,
                                            packetsReceived: packetsReceived, bytesReceived: bytesReceived,
                                            startedAt: startedAt)
        }
        return nil
    }
}
