/// AV1 RTP payload facts (AV1 RTP Payload Format specification, §4.4), enough for
/// pass-through forwarding.
public enum AV1 {
    /// Cheap check: the aggregation header's N bit marks the first packet of a coded video
    /// sequence, which starts with a key frame.
    public static func isKeyframePacket(_ payload: ArraySlice<UInt8>) -> Bool {
        guard let header = payload.first else { return false }
        return header & 0x08 != 0
    }
}
