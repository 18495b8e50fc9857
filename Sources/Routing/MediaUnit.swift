import RTCBase
import RTP

/// One access unit of one track: a video frame or an audio packet group, carried as the RTP
/// packets it arrived in (RFC 3550 §5.1), in order. Routing moves units; it never re-parses them.
public struct MediaUnit: Sendable {
    public var trackID: Int
    /// The packets as received, in sequence order.
    public var packets: [RTPPacket]
    /// The unit's RTP timestamp in the source's timeline.
    public var rtpTimestamp: UInt32
    /// True when a decoder can start at this unit (video IDR/key frame; meaningless for audio).
    public var isKeyframe: Bool
    /// When the unit's first packet arrived.
    public var arrival: Instant
    /// Which publisher attachment produced the unit; `Path.publish` stamps it, so a value set by the
    /// publisher is overwritten. It increments every time a source (re)attaches.
    public var sourceEpoch: Int

    public init(trackID: Int, packets: [RTPPacket], rtpTimestamp: UInt32, isKeyframe: Bool,
                arrival: Instant, sourceEpoch: Int = 0) {
        self.trackID = trackID
        self.packets = packets
        self.rtpTimestamp = rtpTimestamp
        self.isKeyframe = isKeyframe
        self.arrival = arrival
        self.sourceEpoch = sourceEpoch
    }

    /// Total size of the unit's packets in bytes (headers included), as counted by caches and stats.
    public var byteCount: Int {
        var total = 0
        for packet in packets { total &+= packet.bytes.count }
        return total
    }
}
