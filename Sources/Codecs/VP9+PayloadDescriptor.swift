extension VP9 {
    /// The VP9 payload descriptor (RFC 9628 §4.2):
    /// ```
    ///  I|P|L|F|B|E|V|Z          required
    ///  M|PictureID(7/15)        if I
    ///  TID|U|SID|D              if L
    ///  TL0PICIDX                if L and not F (non-flexible mode)
    ///  P_DIFF|N                 if F and P, up to three
    ///  scalability structure    if V (§4.2.1)
    /// ```
    public struct PayloadDescriptor: Sendable, Equatable {
        /// P: the frame uses inter-picture prediction.
        public var isInterPicturePredicted: Bool
        /// F: flexible mode (reference indices in the descriptor).
        public var isFlexibleMode: Bool
        /// B: this packet starts a frame.
        public var isStartOfFrame: Bool
        /// E: this packet ends a frame.
        public var isEndOfFrame: Bool
        /// Z: the frame is not used for prediction by upper spatial layers of the same picture.
        public var isNotReferenceForUpperLayers: Bool
        /// PictureID (7 or 15 bits), if I was set.
        public var pictureID: UInt16?
        /// True when the PictureID used the 15-bit form (M bit).
        public var hasLongPictureID: Bool
        /// Layer indices, if L was set.
        public var layerIndices: LayerIndices?
        /// TL0PICIDX (non-flexible mode with layer indices).
        public var tl0PictureIndex: UInt8?
        /// Scalability structure, if V was set.
        public var scalabilityStructure: ScalabilityStructure?
        /// Size of the descriptor in bytes; the VP9 frame data follows.
        public var size: Int
        // Up to three P_DIFF values packed into bytes 0...2, so parsing does not allocate.
        private var packedReferenceDifferences: UInt32
        private var referenceDifferenceCount: Int

        /// TID|U|SID|D (RFC 9628 §4.2).
        public struct LayerIndices: Sendable, Equatable {
            /// TID: temporal layer (0...7).
            public var temporalID: UInt8
            /// U: switching up point.
            public var isSwitchingUpPoint: Bool
            /// SID: spatial layer (0...7).
            public var spatialID: UInt8
            /// D: the frame depends on the spatial layer below in the same picture.
            public var hasInterLayerDependency: Bool

            public init(temporalID: UInt8 = 0, isSwitchingUpPoint: Bool = false, spatialID: UInt8 = 0,
                        hasInterLayerDependency: Bool = false) {
                self.temporalID = temporalID & 0x07
                self.isSwitchingUpPoint = isSwitchingUpPoint
                self.spatialID = spatialID & 0x07
                self.hasInterLayerDependency = hasInterLayerDependency
            }

            init(byte: UInt8) {
                self.init(temporalID: byte >> 5, isSwitchingUpPoint: byte & 0x10 != 0,
                          spatialID: byte >> 1 & 0x07, hasInterLayerDependency: byte & 0x01 != 0)
            }

            var byte: UInt8 {
                temporalID << 5 | (isSwitchingUpPoint ? 0x10 : 0) | spatialID << 1 | (hasInterLayerDependency ? 1 : 0)
            }
        }

        public init(isInterPicturePredicted: Bool, isStartOfFrame: Bool, isEndOfFrame: Bool,
                    pictureID: UInt16? = nil, hasLongPictureID: Bool = true,
                    layerIndices: LayerIndices? = nil, tl0PictureIndex: UInt8? = nil,
                    referenceDifferences: [UInt8] = [], isFlexibleMode: Bool = false,
                    isNotReferenceForUpperLayers: Bool = false,
                    scalabilityStructure: ScalabilityStructure? = nil) {
            self.isInterPicturePredicted = isInterPicturePredicted
            self.isFlexibleMode = isFlexibleMode
            self.isStartOfFrame = isStartOfFrame
            self.isEndOfFrame = isEndOfFrame
            self.isNotReferenceForUpperLayers = isNotReferenceForUpperLayers
            self.pictureID = pictureID.map { $0 & (hasLongPictureID ? 0x7fff : 0x7f) }
            self.hasLongPictureID = hasLongPictureID
            self.layerIndices = layerIndices
            self.tl0PictureIndex = isFlexibleMode ? nil : tl0PictureIndex
            self.scalabilityStructure = scalabilityStructure
            packedReferenceDifferences = 0
            referenceDifferenceCount = 0
            if isFlexibleMode && isInterPicturePredicted {
                for difference in referenceDifferences.prefix(3) {
                    packedReferenceDifferences |= UInt32(difference & 0x7f) << UInt32(8 * referenceDifferenceCount)
                    referenceDifferenceCount += 1
                }
            }
            size = 0
            var bytes: [UInt8] = []
            append(to: &bytes)
            size = bytes.count
        }

        /// P_DIFF values (flexible mode with P): distances to the referenced PictureIDs.
        public var referenceDifferences: [UInt8] {
            (0..<referenceDifferenceCount).map { UInt8(truncatingIfNeeded: packedReferenceDifferences >> UInt32(8 * $0)) }
        }

        /// Parses the descriptor at the start of an RTP payload. The frame data after it must
        /// not be empty. Flexible mode requires a PictureID (§4.2).
        public init(parsing payload: ArraySlice<UInt8>) throws(CodecParseError) {
            var index = payload.startIndex
            func next(_ field: String) throws(CodecParseError) -> UInt8 {
                guard index < payload.endIndex else { throw .truncated(field: field) }
                defer { index += 1 }
                return payload[index]
            }
            let first = try next("VP9 payload descriptor")
            isInterPicturePredicted = first & 0x40 != 0
            isFlexibleMode = first & 0x10 != 0
            isStartOfFrame = first & 0x08 != 0
            isEndOfFrame = first & 0x04 != 0
            isNotReferenceForUpperLayers = first & 0x01 != 0
            (pictureID, hasLongPictureID, layerIndices, tl0PictureIndex) = (nil, false, nil, nil)
            (packedReferenceDifferences, referenceDifferenceCount, scalabilityStructure) = (0, 0, nil)
            if first & 0x80 != 0 {
                let high = try next("VP9 PictureID")
                if high & 0x80 != 0 {
                    pictureID = UInt16(high & 0x7f) << 8 | UInt16(try next("VP9 PictureID"))
                    hasLongPictureID = true
                } else {
                    pictureID = UInt16(high)
                }
            } else if isFlexibleMode {
                throw .invalidValue(field: "VP9 F without PictureID", value: Int(first))
            }
            if first & 0x20 != 0 {
                layerIndices = LayerIndices(byte: try next("VP9 layer indices"))
                if !isFlexibleMode { tl0PictureIndex = try next("VP9 TL0PICIDX") }
            }
            if isFlexibleMode && isInterPicturePredicted {
                while true {
                    let byte = try next("VP9 P_DIFF")
                    guard referenceDifferenceCount < 3 else {
                        throw .limitExceeded(field: "VP9 P_DIFF count", value: 4, limit: 3)
                    }
                    packedReferenceDifferences |= UInt32(byte >> 1) << UInt32(8 * referenceDifferenceCount)
                    referenceDifferenceCount += 1
                    if byte & 0x01 == 0 { break }
                }
            }
            if first & 0x02 != 0 {
                let structure = try ScalabilityStructure(parsing: payload[index...])
                index += structure.size
                scalabilityStructure = structure
            }
            guard index < payload.endIndex else { throw .truncated(field: "VP9 payload") }
            size = index - payload.startIndex
        }

        /// Appends the wire form of the descriptor to `out`.
        public func append(to out: inout [UInt8]) {
            var first: UInt8 = 0
            if pictureID != nil { first |= 0x80 }
            if isInterPicturePredicted { first |= 0x40 }
            if layerIndices != nil { first |= 0x20 }
            if isFlexibleMode { first |= 0x10 }
            if isStartOfFrame { first |= 0x08 }
            if isEndOfFrame { first |= 0x04 }
            if scalabilityStructure != nil { first |= 0x02 }
            if isNotReferenceForUpperLayers { first |= 0x01 }
            out.append(first)
            if let pictureID {
                if hasLongPictureID {
                    out.append(0x80 | UInt8(truncatingIfNeeded: pictureID >> 8) & 0x7f)
                    out.append(UInt8(truncatingIfNeeded: pictureID))
                } else {
                    out.append(UInt8(truncatingIfNeeded: pictureID) & 0x7f)
                }
            }
            if let layerIndices {
                out.append(layerIndices.byte)
                if !isFlexibleMode { out.append(tl0PictureIndex ?? 0) }
            }
            if isFlexibleMode && isInterPicturePredicted {
                for index in 0..<referenceDifferenceCount {
                    let difference = UInt8(truncatingIfNeeded: packedReferenceDifferences >> UInt32(8 * index))
                    out.append(difference << 1 | (index + 1 < referenceDifferenceCount ? 1 : 0))
                }
            }
            scalabilityStructure?.append(to: &out)
        }
    }
}
