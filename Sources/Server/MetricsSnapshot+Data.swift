import Runtime

/// The data-path (issue #9) and MPEG-TS ingest parts of a `/metrics` scrape.
extension MetricsSnapshot {
    /// One path's data bus, its readers and its UDP data device.
    public struct DataPathSample: Sendable {
        public struct Reader: Sendable {
            /// `udp`, `whep` or `whip`; the session's metrics id, or the device's address.
            public var kind: String
            public var name: String
            /// Messages (and bytes) the reader sent on the bus and received from it; lost to a full queue.
            public var messagesIn = 0, bytesIn = 0
            public var messagesOut = 0, bytesOut = 0
            public var dropped = 0
            public var queued = 0
            public init(kind: String, name: String) {
                self.kind = kind
                self.name = name
            }
        }

        public struct Device: Sendable {
            public var datagramsIn = 0, bytesIn = 0
            public var datagramsOut = 0, bytesOut = 0
            public var droppedTooLarge = 0, droppedNoTarget = 0, droppedReceiveBuffer = 0
            public init() {}
        }

        public var path: String
        public var readers = 0
        /// Messages published on the bus and their bytes; copies queued to readers (out); copies
        /// lost to full reader queues; messages refused as too large.
        public var messagesIn = 0, bytesIn = 0
        public var messagesOut = 0
        public var dropped = 0
        public var rejected = 0
        public var readerSamples: [Reader] = []
        public var device: Device?
        public init(path: String) { self.path = path }
    }

    /// One MPEG-TS over UDP source (`udp+mpegts://`): its counters as the source keeps them
    /// (`demuxer.malformedUnits` includes PES packets over the size cap).
    public struct MPEGTSSample: Sendable {
        public var path: String
        public var stats: MPEGTSSource.Stats
        public init(path: String, stats: MPEGTSSource.Stats) {
            self.path = path
            self.stats = stats
        }
    }
}
