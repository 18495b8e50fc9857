/// Reassembles VP9 pictures from RTP payloads (RFC 9628 §4). A frame runs from a packet with
/// B = 1 to one with E = 1; a picture is the run of frames (one per spatial layer) sharing an RTP
/// timestamp, complete at the marker bit or the next timestamp change. `AccessUnit.payloads`
/// holds one element per frame: exactly one for streams without spatial layers.
///
/// A picture is a key frame when its first frame has P = 0, no inter-layer dependency (D = 0,
/// spatial layer 0) and, when its uncompressed header parses, frame_type KEY_FRAME.
/// A sequence-number gap, a malformed packet, a B without the previous frame's E or a limit
/// overrun drops the picture it hits; delivery then resumes at the next key frame.
public struct VP9Depacketizer: RTPDepacketizer, Sendable {
    private var assembler: FrameAssembler<PictureAssembly>

    public init(limits: DepacketizerLimits = DepacketizerLimits()) {
        assembler = FrameAssembler(format: PictureAssembly(limits: limits))
    }

    public var limits: DepacketizerLimits { assembler.limits }
    public var droppedPackets: Int { assembler.droppedPackets }
    public var droppedAccessUnits: Int { assembler.droppedAccessUnits }
    public var isAwaitingKeyframe: Bool { assembler.isAwaitingKeyframe }
    /// The latest scalability structure received (sent on key frames, §4.2.1).
    public var scalabilityStructure: VP9.ScalabilityStructure? { assembler.format.scalabilityStructure }

    public mutating func push(payload: ArraySlice<UInt8>, sequenceNumber: UInt16, rtpTimestamp: UInt32,
                              marker: Bool) -> [AccessUnit] {
        assembler.push(payload: payload, sequenceNumber: sequenceNumber, rtpTimestamp: rtpTimestamp, marker: marker)
    }

    /// Delivers the picture in progress, if any (e.g. at end of stream).
    public mutating func flush() -> [AccessUnit] {
        assembler.flush()
    }

    static func isKeyframe(_ descriptor: VP9.PayloadDescriptor, frameStart: ArraySlice<UInt8>) -> Bool {
        guard !descriptor.isInterPicturePredicted else { return false }
        if let layer = descriptor.layerIndices, layer.hasInterLayerDependency || layer.spatialID != 0 { return false }
        guard let header = try? VP9.FrameHeader(parsing: frameStart) else { return true }
        return header.isKeyframe
    }
}

extension VP9Depacketizer {
    /// The VP9 half of the assembly: each frame (B ... E) is reassembled in the unit's fragment
    /// and becomes one payload of the picture; key-frame detection on the first frame.
    struct PictureAssembly: FrameAssemblyFormat {
        typealias Packet = (descriptor: VP9.PayloadDescriptor?, payload: ArraySlice<UInt8>)

        let limits: DepacketizerLimits
        private(set) var scalabilityStructure: VP9.ScalabilityStructure?
        private var pictureIsKeyframe = false

        init(limits: DepacketizerLimits) {
            self.limits = limits
        }

        var unitIsKeyframe: Bool { pictureIsKeyframe }

        func inspect(_ payload: ArraySlice<UInt8>) -> Packet {
            (try? VP9.PayloadDescriptor(parsing: payload), payload)
        }

        func begin(_ unit: inout PartialAccessUnit, with packet: Packet, afterGap: Bool) {
            // A picture must begin with a frame start.
            if !(packet.descriptor?.isStartOfFrame ?? false) { unit.isBroken = true }
        }

        mutating func append(_ packet: Packet, to unit: inout PartialAccessUnit) {
            guard let descriptor = packet.descriptor else { unit.isBroken = true; return }
            let data = packet.payload.dropFirst(descriptor.size)
            if descriptor.isStartOfFrame {
                guard !unit.fragmentOpen, unit.payloads.count < VP9.maxSpatialLayers else {
                    unit.isBroken = true
                    return
                }
                unit.startFragment()
                if unit.payloads.isEmpty { pictureIsKeyframe = VP9Depacketizer.isKeyframe(descriptor, frameStart: data) }
                if let structure = descriptor.scalabilityStructure { scalabilityStructure = structure }
            } else if !unit.fragmentOpen {
                unit.isBroken = true
                return
            }
            unit.appendToFragment(data, limits: limits)
            if !unit.isBroken && descriptor.isEndOfFrame { unit.closeFragment() }
        }

        /// The marker or a new timestamp ends the last frame even without E: with no sequence
        /// gap, nothing of it was lost.
        func end(_ unit: inout PartialAccessUnit) {
            if unit.fragmentOpen && !unit.isBroken { unit.closeFragment() }
        }

        mutating func reset() {
            pictureIsKeyframe = false
        }
    }
}
