import Codecs
import RTCBase
import RTP

/// Groups received RTP packets of one track into media units (access units) without
/// depacketizing: a video unit is every packet with one timestamp, closed by the marker bit or a
/// timestamp change (x264 sends several slices per frame; never split them); an audio packet is a
/// unit of its own. Keyframes, and whether they lack their parameter sets, are recognised from the
/// payloads through the codec registry, once per unit.
public struct RTPUnitAssembler {
    public struct Limits: Sendable {
        public var maxPacketsPerUnit = 2048
        public var maxBytesPerUnit = 4 << 20
        public init() {}
    }

    let trackID: Int
    let isVideo: Bool
    let codec: CodecDescriptor?
    let limits: Limits
    private var pending: [RTPPacket] = []
    private var pendingBytes = 0
    private var pendingKeyframe = false
    public private(set) var droppedUnits = 0

    public init(trackID: Int, isVideo: Bool, codec: CodecDescriptor?, limits: Limits = Limits()) {
        self.trackID = trackID
        self.isVideo = isVideo
        self.codec = codec
        self.limits = limits
    }

    /// Feeds one packet; returns the units it completes (zero, one, or two on a timestamp change).
    public mutating func push(_ packet: RTPPacket, arrival: Instant) -> [MediaUnit] {
        guard isVideo else {
            return [MediaUnit(trackID: trackID, packets: [packet], rtpTimestamp: packet.timestamp,
                              isKeyframe: true, arrival: arrival, codec: codec)]
        }
        var done: [MediaUnit] = []
        if let first = pending.first, first.timestamp != packet.timestamp, let unit = flush(arrival: arrival) {
            done.append(unit)
        }
        if pending.count >= limits.maxPacketsPerUnit || pendingBytes + packet.payload.count > limits.maxBytesPerUnit {
            pending.removeAll(keepingCapacity: true)
            pendingBytes = 0
            pendingKeyframe = false
            droppedUnits += 1
            return done
        }
        pending.append(packet)
        pendingBytes += packet.payload.count
        if !pendingKeyframe, let codec, codec.isKeyframePacket(packet.payload) { pendingKeyframe = true }
        if packet.marker, let unit = flush(arrival: arrival) { done.append(unit) }
        return done
    }

    /// The last packet of the unit being built, nil when none is.
    public var pendingLast: RTPPacket? { pending.last }

    /// Closes the unit being built (its end is known otherwise, e.g. from the source's grouping).
    public mutating func flush(arrival: Instant) -> MediaUnit? {
        guard let first = pending.first else { return nil }
        let unit = MediaUnit(trackID: trackID, packets: pending, rtpTimestamp: first.timestamp,
                             isKeyframe: pendingKeyframe, arrival: arrival, codec: codec)
        pending.removeAll(keepingCapacity: true)
        pendingBytes = 0
        pendingKeyframe = false
        return unit
    }
}
