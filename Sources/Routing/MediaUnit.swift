import Codecs
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
    /// True for a keyframe without the decoder configuration its codec needs in-band (an H.264
    /// IDR without SPS): a pass-through reader sends the source's out-of-band parameter sets
    /// (`sprop-parameter-sets`) ahead of it. Found once where the unit is built
    /// (`init(…codec:)`), so no reader scans the payloads again.
    public var lacksParameterSets: Bool

    public init(trackID: Int, packets: [RTPPacket], rtpTimestamp: UInt32, isKeyframe: Bool,
                arrival: Instant, sourceEpoch: Int = 0, lacksParameterSets: Bool = false) {
        self.trackID = trackID
        self.packets = packets
        self.rtpTimestamp = rtpTimestamp
        self.isKeyframe = isKeyframe
        self.arrival = arrival
        self.sourceEpoch = sourceEpoch
        self.lacksParameterSets = lacksParameterSets
    }

    /// A unit of a track of `codec` (the track's registry entry, nil when unknown), which tells
    /// from the payloads whether a keyframe lacks its parameter sets.
    public init(trackID: Int, packets: [RTPPacket], rtpTimestamp: UInt32, isKeyframe: Bool,
                arrival: Instant, sourceEpoch: Int = 0, codec: CodecDescriptor?) {
        let lacks = isKeyframe && codec?.carriesParameterSets(inPayloads: packets.lazy.map(\.payload)) == false
        self.init(trackID: trackID, packets: packets, rtpTimestamp: rtpTimestamp, isKeyframe: isKeyframe,
                  arrival: arrival, sourceEpoch: sourceEpoch, lacksParameterSets: lacks)
    }

    /// Total size of the unit's packets in bytes (headers included), as counted by caches and stats.
    public var byteCount: Int {
        var total = 0
        for packet in packets { total &+= packet.bytes.count }
        return total
    }
}
