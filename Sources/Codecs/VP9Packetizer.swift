/// Splits VP9 pictures into RTP payloads (RFC 9628 §4), non-flexible mode. Every payload carries
/// a 15-bit PictureID that increments per picture; B is set on the first payload of each frame,
/// E on its last, the marker on the last payload of the picture. P is clear on key and
/// intra-only frames (from the uncompressed header, else from `AccessUnit.isKeyframe`).
///
/// `AccessUnit.payloads` holds one frame per spatial layer (usually one). With several, payloads
/// carry layer indices (SID = position, D = 1 above layer 0, TID 0) and a TL0PICIDX that
/// increments per picture. Key frames whose sizes parse carry a scalability structure
/// (§4.2.1, Y = 1, no picture group). Fragments of a frame are evenly sized.
public struct VP9Packetizer: RTPPacketizer, Sendable {
    /// PictureID of the next picture (15 bits, wraps).
    public private(set) var nextPictureID: UInt16
    /// TL0PICIDX of the next layered picture (wraps).
    public private(set) var nextTL0PictureIndex: UInt8 = 0

    public init(initialPictureID: UInt16 = 0) {
        nextPictureID = initialPictureID & 0x7fff
    }

    public mutating func packetize(_ unit: AccessUnit, maxPayloadSize: Int) -> [(payload: [UInt8], marker: Bool)] {
        let frames = unit.payloads.prefix(VP9.maxSpatialLayers)
        guard !frames.isEmpty, frames.allSatisfy({ !$0.isEmpty }) else { return [] }
        let layered = frames.count > 1
        var headers: [VP9.FrameHeader?] = []
        headers.reserveCapacity(frames.count)
        for frame in frames { headers.append(try? VP9.FrameHeader(parsing: frame[...])) }
        let structure = Self.scalabilityStructure(headers)

        // Every descriptor has the same size except the first one, which may carry the SS.
        let baseDescriptorSize = 3 + (layered ? 2 : 0)
        let firstDescriptorSize = baseDescriptorSize + (structure?.size ?? 0)
        guard maxPayloadSize > firstDescriptorSize else { return [] }

        let pictureID = nextPictureID
        nextPictureID = (nextPictureID &+ 1) & 0x7fff
        let tl0PictureIndex = nextTL0PictureIndex
        if layered { nextTL0PictureIndex &+= 1 }

        var packets: [(payload: [UInt8], marker: Bool)] = []
        for (layer, frame) in frames.enumerated() {
            let intra = headers[layer].map { $0.isKeyframe || $0.isIntraOnly } ?? unit.isKeyframe
            let layerIndices = layered
                ? VP9.PayloadDescriptor.LayerIndices(spatialID: UInt8(truncatingIfNeeded: layer),
                                                     hasInterLayerDependency: layer > 0)
                : nil
            // Fragments: the first packet of the picture has less room when it carries the SS.
            let firstRoom = maxPayloadSize - (layer == 0 ? firstDescriptorSize : baseDescriptorSize)
            let room = maxPayloadSize - baseDescriptorSize
            let count = frame.count <= firstRoom ? 1 : 1 + (frame.count - firstRoom + room - 1) / room
            var start = 0
            for index in 0..<count {
                let remaining = frame.count - start
                let packetsLeft = count - index
                var size = (remaining + packetsLeft - 1) / packetsLeft
                if index == 0 { size = min(size, firstRoom) }
                let descriptor = VP9.PayloadDescriptor(
                    isInterPicturePredicted: !intra, isStartOfFrame: index == 0, isEndOfFrame: index == count - 1,
                    pictureID: pictureID, layerIndices: layerIndices, tl0PictureIndex: tl0PictureIndex,
                    scalabilityStructure: layer == 0 && index == 0 ? structure : nil)
                var payload: [UInt8] = []
                payload.reserveCapacity(descriptor.size + size)
                descriptor.append(to: &payload)
                payload.append(contentsOf: frame[start..<(start + size)])
                packets.append((payload, false))
                start += size
            }
        }
        if !packets.isEmpty { packets[packets.count - 1].marker = true }
        return packets
    }

    /// An SS with every layer's size when every frame is a key frame with a parsed size.
    static func scalabilityStructure(_ headers: [VP9.FrameHeader?]) -> VP9.ScalabilityStructure? {
        var resolutions: [VP9.ScalabilityStructure.Resolution] = []
        for header in headers {
            guard let header, header.isKeyframe, let width = header.width, let height = header.height else { return nil }
            resolutions.append(.init(width: width, height: height))
        }
        return VP9.ScalabilityStructure(spatialLayerCount: resolutions.count, resolutions: resolutions)
    }
}
