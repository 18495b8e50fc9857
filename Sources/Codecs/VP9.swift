/// VP9 RTP payload facts (RFC 9628).
public enum VP9 {
    /// Cheap check: does this RTP payload start a VP9 key frame? The payload descriptor
    /// (RFC 9628 §4.2) must have B = 1 (start of frame) and P = 0 (not inter-picture predicted),
    /// and, when layer indices are present, spatial layer 0.
    public static func isKeyframePacket(_ payload: ArraySlice<UInt8>) -> Bool {
        guard let first = payload.first else { return false }
        let hasPictureID = first & 0x80 != 0
        let isInterPredicted = first & 0x40 != 0
        let hasLayerIndices = first & 0x20 != 0
        let startsFrame = first & 0x08 != 0
        guard startsFrame, !isInterPredicted else { return false }
        guard hasLayerIndices else { return true }
        var index = payload.startIndex + 1
        if hasPictureID {
            guard index < payload.endIndex else { return false }
            index += payload[index] & 0x80 != 0 ? 2 : 1
        }
        guard index < payload.endIndex else { return false }
        return (payload[index] >> 1) & 0x07 == 0
    }

    /// Largest number of spatial layers (SID is three bits, RFC 9628 §4.2).
    public static let maxSpatialLayers = 8
}
