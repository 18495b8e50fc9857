/// One data message on a path's data bus: a UDP datagram from a device, or one data channel
/// message from a browser (RFC 8831 §6.6: text is UTF-8; either kind may be empty).
public struct DataMessage: Sendable, Equatable {
    public var payload: [UInt8]
    /// True for a string message, false for binary.
    public var isText: Bool

    public init(payload: [UInt8], isText: Bool) {
        self.payload = payload
        self.isText = isText
    }
}

/// Counters of one data bus reader, read as a snapshot.
public struct DataReaderStats: Sendable, Equatable {
    /// What the reader is (e.g. "whep", "whip", "udp") and an id the runtime chose (a session id).
    public var kind: String
    public var name: String
    /// Messages handed out by `drain`, and their bytes.
    public var delivered = 0
    public var deliveredBytes = 0
    /// Messages this reader published on the bus (what its browser or device sent), and bytes.
    public var published = 0
    public var publishedBytes = 0
    /// Messages of this reader the bus refused as too large.
    public var rejected = 0
    /// Messages this reader lost because its queue was full (the oldest go first).
    public var dropped = 0
    /// Messages and bytes queued right now.
    public var queued = 0
    public var queuedBytes = 0

    public init(kind: String, name: String) {
        self.kind = kind
        self.name = name
    }
}

/// Counters of one path's data bus, read as a snapshot.
public struct DataBusStats: Sendable, Equatable {
    public var readers = 0
    /// Messages published on the path (from devices and browsers) and their bytes.
    public var messagesIn = 0
    public var bytesIn = 0
    /// Messages refused: larger than `DataBus.Limits.maxMessageBytes`.
    public var rejected = 0
    /// Copies queued to readers, and copies readers lost to full queues.
    public var queued = 0
    public var dropped = 0

    public init() {}
}
