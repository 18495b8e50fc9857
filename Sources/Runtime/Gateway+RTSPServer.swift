// The RTSP server (issue #4). Being written; starting it does nothing until then.

/// Where the RTSP server listens and how it is secured.
public struct RTSPServerSettings: Sendable, Equatable {
    public var host = "0.0.0.0"
    public var port = 8554
    public init() {}

    /// Users ("user:password") allowed to read or publish a path over RTSP; none = open.
    public mutating func setUsers(path: String, read: [String], publish: [String]) throws {}
}

extension Gateway {
    func startRTSPServer(_ settings: RTSPServerSettings) async throws {}
}
