import RTCBase

extension VP9 {
    /// The scalability structure (SS) of the VP9 payload descriptor (RFC 9628 §4.2.1):
    /// ```
    ///  N_S|Y|G|-|-|-                           N_S + 1 spatial layers
    ///  WIDTH(16) HEIGHT(16)                    if Y, once per spatial layer
    ///  N_G                                     if G
    ///  TID|U|R|-|-  then R × P_DIFF(8)         N_G times (picture group description)
    /// ```
    public struct ScalabilityStructure: Sendable, Equatable {
        /// One spatial layer's frame size in pixels.
        public struct Resolution: Sendable, Equatable {
            public var width: Int
            public var height: Int
            public init(width: Int, height: Int) { self.width = width; self.height = height }
        }

        /// One picture of the picture group (PG) description.
        public struct PictureGroupEntry: Sendable, Equatable {
            public var temporalID: UInt8
            public var isSwitchingUpPoint: Bool
            /// P_DIFF of each reference (0...3 entries).
            public var referenceDifferences: [UInt8]

            public init(temporalID: UInt8, isSwitchingUpPoint: Bool, referenceDifferences: [UInt8]) {
                self.temporalID = temporalID & 0x07
                self.isSwitchingUpPoint = isSwitchingUpPoint
                self.referenceDifferences = Array(referenceDifferences.prefix(3))
            }
        }

        /// N_S + 1 (1...8).
        public var spatialLayerCount: Int
        /// Per-layer sizes when Y is set (`spatialLayerCount` entries), else nil.
        public var resolutions: [Resolution]?
        /// The picture group description when G is set, else nil.
        public var pictureGroup: [PictureGroupEntry]?
        /// Size of the structure on the wire in bytes.
        public var size: Int

        public init(spatialLayerCount: Int, resolutions: [Resolution]? = nil, pictureGroup: [PictureGroupEntry]? = nil) {
            let layerCount = min(max(spatialLayerCount, 1), VP9.maxSpatialLayers)
            self.spatialLayerCount = layerCount
            self.resolutions = resolutions.map { Array($0.prefix(layerCount)) }
            self.pictureGroup = pictureGroup.map { Array($0.prefix(255)) }
            size = 0
            var bytes: [UInt8] = []
            append(to: &bytes)
            size = bytes.count
        }

        /// Parses an SS starting at the first byte of `bytes`; trailing bytes are left alone.
        /// N_G is one byte, so the group description holds at most 255 entries.
        public init(parsing bytes: ArraySlice<UInt8>) throws(CodecParseError) {
            var reader = ByteReader(bytes)
            do {
                let header = try reader.readUInt8()
                spatialLayerCount = Int(header >> 5) + 1
                resolutions = nil
                pictureGroup = nil
                if header & 0x10 != 0 {
                    var sizes: [Resolution] = []
                    sizes.reserveCapacity(spatialLayerCount)
                    for _ in 0..<spatialLayerCount {
                        let width = Int(try reader.readUInt16())
                        let height = Int(try reader.readUInt16())
                        sizes.append(Resolution(width: width, height: height))
                    }
                    resolutions = sizes
                }
                if header & 0x08 != 0 {
                    let count = Int(try reader.readUInt8())
                    var group: [PictureGroupEntry] = []
                    group.reserveCapacity(count)
                    for _ in 0..<count {
                        let entry = try reader.readUInt8()
                        let referenceCount = Int(entry >> 2 & 0x03)
                        let differences = Array(try reader.readBytes(referenceCount))
                        group.append(PictureGroupEntry(temporalID: entry >> 5, isSwitchingUpPoint: entry & 0x10 != 0,
                                                       referenceDifferences: differences))
                    }
                    pictureGroup = group
                }
            } catch {
                throw .truncated(field: "VP9 scalability structure")
            }
            size = reader.offset
        }

        /// Appends the wire form to `out`.
        public func append(to out: inout [UInt8]) {
            var header = UInt8(truncatingIfNeeded: spatialLayerCount - 1) << 5
            if resolutions != nil { header |= 0x10 }
            if pictureGroup != nil { header |= 0x08 }
            out.append(header)
            for resolution in resolutions ?? [] {
                out.appendUInt16(UInt16(clamping: resolution.width))
                out.appendUInt16(UInt16(clamping: resolution.height))
            }
            if let pictureGroup {
                out.append(UInt8(truncatingIfNeeded: pictureGroup.count))
                for entry in pictureGroup {
                    let count = UInt8(truncatingIfNeeded: entry.referenceDifferences.count)
                    out.append(entry.temporalID << 5 | (entry.isSwitchingUpPoint ? 0x10 : 0) | count << 2)
                    out.append(contentsOf: entry.referenceDifferences)
                }
            }
        }
    }
}
