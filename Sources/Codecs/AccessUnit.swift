/// One coded media frame as it crosses the RTP boundary.
///
/// - H.264/H.265: `payloads` holds the NAL units of one access unit, without start codes or
///   length prefixes (RFC 6184 §1.3, ITU-T H.264 §7.4.1.2.3).
/// - VP8/Opus/G.711: `payloads` holds exactly one element, the whole frame.
/// - VP9: one element per spatial-layer frame (one for ordinary streams).
/// - AV1: one element per OBU, each with `obu_size`, starting with a temporal delimiter;
///   joined they are the low-overhead bitstream of one temporal unit (what IVF stores).
public struct AccessUnit: Sendable, Equatable {
    public var payloads: [[UInt8]]
    /// Presentation timestamp in the codec's RTP clock (90 kHz video, 48 kHz Opus, 8 kHz G.711).
    public var rtpTimestamp: UInt32
    /// True when a decoder can start here (H.264 IDR, VP8 key frame; always true for audio).
    public var isKeyframe: Bool

    public init(payloads: [[UInt8]], rtpTimestamp: UInt32, isKeyframe: Bool) {
        self.payloads = payloads
        self.rtpTimestamp = rtpTimestamp
        self.isKeyframe = isKeyframe
    }

    /// Sum of the payload sizes in bytes.
    public var byteCount: Int { payloads.reduce(0) { $0 + $1.count } }
}

/// Caps on what a depacketizer assembles from the wire. Packets that would exceed a cap make
/// the access unit broken: it is dropped and counted, never truncated.
public struct DepacketizerLimits: Sendable, Equatable {
    /// Largest access unit, in payload bytes (NAL units without start codes). Default 4 MiB.
    public var maxAccessUnitBytes: Int
    /// Most NAL units in one H.264 access unit. Default 1024.
    public var maxNALUnitsPerAccessUnit: Int
    /// Largest cached SPS or PPS in bytes. Default 1024.
    public var maxParameterSetBytes: Int

    public init(maxAccessUnitBytes: Int = 4 << 20, maxNALUnitsPerAccessUnit: Int = 1024,
                maxParameterSetBytes: Int = 1024) {
        self.maxAccessUnitBytes = maxAccessUnitBytes
        self.maxNALUnitsPerAccessUnit = maxNALUnitsPerAccessUnit
        self.maxParameterSetBytes = maxParameterSetBytes
    }
}

/// Reassembles access units from in-order RTP payloads of one stream (a jitter buffer, if any,
/// sits in front). Malformed packets and access units with gaps are dropped and counted.
public protocol RTPDepacketizer {
    /// Feeds one RTP payload; returns the access units completed by it (usually zero or one).
    mutating func push(payload: ArraySlice<UInt8>, sequenceNumber: UInt16, rtpTimestamp: UInt32,
                       marker: Bool) -> [AccessUnit]
    /// Received packets that did not make it into a delivered access unit.
    var droppedPackets: Int { get }
    /// True after a loss or a broken unit until the next keyframe: units are held back until
    /// then, so whoever reads the stream should ask the sender for one.
    var isAwaitingKeyframe: Bool { get }
}

extension RTPDepacketizer {
    /// Formats where every payload is decodable on its own (audio) never wait.
    public var isAwaitingKeyframe: Bool { false }
}

/// Splits access units into RTP payloads no larger than `maxPayloadSize`.
public protocol RTPPacketizer {
    /// The payloads of one access unit, in order; `marker` is set on the last one when the
    /// payload format says so. Returns an empty array when `maxPayloadSize` is too small.
    mutating func packetize(_ unit: AccessUnit, maxPayloadSize: Int) -> [(payload: [UInt8], marker: Bool)]
}

/// Media kind of a codec, as in an SDP `m=` line.
public enum CodecKind: String, Sendable, Equatable {
    case audio
    case video
}
