/// VP8 RTP payload facts (RFC 7741).
public enum VP8 {
    /// The VP8 payload descriptor (RFC 7741 §4.2):
    /// ```
    ///  X|R|N|S|R|PID      required
    ///  I|L|T|K|RSV        if X
    ///  M|PictureID(7/15)  if I
    ///  TL0PICIDX          if L
    ///  TID|Y|KEYIDX       if T or K
    /// ```
    public struct PayloadDescriptor: Sendable, Equatable {
        /// N: the frame can be discarded without affecting others.
        public var isNonReference: Bool
        /// S: this packet starts a VP8 partition.
        public var isStartOfPartition: Bool
        /// PID: partition index (0...7).
        public var partitionIndex: UInt8
        /// PictureID (7 or 15 bits), if I was set.
        public var pictureID: UInt16?
        /// True when the PictureID used the 15-bit form (M bit).
        public var hasLongPictureID: Bool
        /// TL0PICIDX, if L was set.
        public var tl0PictureIndex: UInt8?
        /// TID, if T was set.
        public var temporalLayerIndex: UInt8?
        /// Y: layer sync (only meaningful with T).
        public var isLayerSync: Bool
        /// KEYIDX, if K was set.
        public var keyIndex: UInt8?
        /// Size of the descriptor in bytes; the VP8 payload follows.
        public var size: Int

        public init(isNonReference: Bool = false, isStartOfPartition: Bool, partitionIndex: UInt8 = 0,
                    pictureID: UInt16? = nil, hasLongPictureID: Bool = true, tl0PictureIndex: UInt8? = nil,
                    temporalLayerIndex: UInt8? = nil, isLayerSync: Bool = false, keyIndex: UInt8? = nil) {
            self.isNonReference = isNonReference
            self.isStartOfPartition = isStartOfPartition
            self.partitionIndex = partitionIndex & 0x07
            self.pictureID = pictureID.map { $0 & (hasLongPictureID ? 0x7fff : 0x7f) }
            self.hasLongPictureID = hasLongPictureID
            self.tl0PictureIndex = tl0PictureIndex
            self.temporalLayerIndex = temporalLayerIndex.map { $0 & 0x03 }
            self.isLayerSync = isLayerSync
            self.keyIndex = keyIndex.map { $0 & 0x1f }
            self.size = 0
            self.size = serialized().count
        }

        /// Parses the descriptor at the start of an RTP payload. The VP8 payload after it must
        /// not be empty (§4.2).
        public init(parsing payload: ArraySlice<UInt8>) throws(CodecParseError) {
            var index = payload.startIndex
            func next(_ field: String) throws(CodecParseError) -> UInt8 {
                guard index < payload.endIndex else { throw .truncated(field: field) }
                defer { index += 1 }
                return payload[index]
            }
            let first = try next("VP8 payload descriptor")
            isNonReference = first & 0x20 != 0
            isStartOfPartition = first & 0x10 != 0
            partitionIndex = first & 0x07
            (pictureID, hasLongPictureID, tl0PictureIndex) = (nil, false, nil)
            (temporalLayerIndex, isLayerSync, keyIndex) = (nil, false, nil)
            if first & 0x80 != 0 {
                let extensions = try next("VP8 extension byte")
                if extensions & 0x80 != 0 {
                    let high = try next("VP8 PictureID")
                    if high & 0x80 != 0 {
                        let low = try next("VP8 PictureID")
                        pictureID = UInt16(high & 0x7f) << 8 | UInt16(low)
                        hasLongPictureID = true
                    } else {
                        pictureID = UInt16(high)
                    }
                }
                if extensions & 0x40 != 0 { tl0PictureIndex = try next("VP8 TL0PICIDX") }
                if extensions & 0x30 != 0 {
                    let layer = try next("VP8 TID/KEYIDX")
                    if extensions & 0x20 != 0 {
                        temporalLayerIndex = layer >> 6
                        isLayerSync = layer & 0x20 != 0
                    }
                    if extensions & 0x10 != 0 { keyIndex = layer & 0x1f }
                }
            }
            guard index < payload.endIndex else { throw .truncated(field: "VP8 payload") }
            size = index - payload.startIndex
        }

        /// True when the payload after this descriptor begins a frame (S set and PID 0).
        public var startsFrame: Bool { isStartOfPartition && partitionIndex == 0 }

        /// Wire form of the descriptor.
        public func serialized() -> [UInt8] {
            var out: [UInt8] = []
            append(to: &out)
            return out
        }

        /// Appends the wire form of the descriptor to `out`.
        public func append(to out: inout [UInt8]) {
            var extensions: UInt8 = 0
            if pictureID != nil { extensions |= 0x80 }
            if tl0PictureIndex != nil { extensions |= 0x40 }
            if temporalLayerIndex != nil { extensions |= 0x20 }
            if keyIndex != nil { extensions |= 0x10 }
            var first = partitionIndex & 0x07
            if extensions != 0 { first |= 0x80 }
            if isNonReference { first |= 0x20 }
            if isStartOfPartition { first |= 0x10 }
            out.append(first)
            guard extensions != 0 else { return }
            out.append(extensions)
            if let pictureID {
                if hasLongPictureID {
                    out.append(0x80 | UInt8(truncatingIfNeeded: pictureID >> 8) & 0x7f)
                    out.append(UInt8(truncatingIfNeeded: pictureID))
                } else {
                    out.append(UInt8(truncatingIfNeeded: pictureID) & 0x7f)
                }
            }
            if let tl0PictureIndex { out.append(tl0PictureIndex) }
            if temporalLayerIndex != nil || keyIndex != nil {
                var layer = (temporalLayerIndex ?? 0) << 6 | (keyIndex ?? 0) & 0x1f
                if isLayerSync { layer |= 0x20 }
                out.append(layer)
            }
        }
    }

    /// True when the VP8 payload header (RFC 7741 §4.3, first byte of a frame) has P = 0.
    @inlinable
    public static func isKeyframeHeader(_ firstPayloadByte: UInt8) -> Bool { firstPayloadByte & 0x01 == 0 }

    /// Cheap check for pass-through forwarding: does this RTP payload start a VP8 key frame?
    public static func isKeyframePacket(_ payload: ArraySlice<UInt8>) -> Bool {
        guard let descriptor = try? PayloadDescriptor(parsing: payload), descriptor.startsFrame else { return false }
        return isKeyframeHeader(payload[payload.startIndex + descriptor.size])
    }

    /// Frame size from a key frame's uncompressed data chunk (RFC 6386 §9.1): 3-byte frame tag,
    /// start code 9d 01 2a, then 14-bit width and height. Nil when `frame` is not a key frame.
    public static func keyframeDimensions(_ frame: ArraySlice<UInt8>) -> (width: Int, height: Int)? {
        guard frame.count >= 10, isKeyframeHeader(frame[frame.startIndex]) else { return nil }
        let s = frame.startIndex
        guard frame[s + 3] == 0x9d, frame[s + 4] == 0x01, frame[s + 5] == 0x2a else { return nil }
        let width = (Int(frame[s + 7]) << 8 | Int(frame[s + 6])) & 0x3fff
        let height = (Int(frame[s + 9]) << 8 | Int(frame[s + 8])) & 0x3fff
        return (width, height)
    }
}
