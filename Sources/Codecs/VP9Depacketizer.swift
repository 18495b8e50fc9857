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
    public let limits: DepacketizerLimits
    public private(set) var droppedPackets = 0
    public private(set) var droppedAccessUnits = 0
    /// The latest scalability structure received (sent on key frames, §4.2.1).
    public private(set) var scalabilityStructure: VP9.ScalabilityStructure?

    private var frames: [[UInt8]] = []
    private var frame: [UInt8] = []
    private var frameOpen = false
    private var pictureBytes = 0
    private var picturePackets = 0
    private var pictureTimestamp: UInt32 = 0
    private var pictureOpen = false
    private var pictureBroken = false
    private var pictureIsKeyframe = false
    private var lastSequenceNumber: UInt16?
    private var awaitingKeyframe = false

    public init(limits: DepacketizerLimits = DepacketizerLimits()) {
        self.limits = limits
    }

    public mutating func push(payload: ArraySlice<UInt8>, sequenceNumber: UInt16, rtpTimestamp: UInt32,
                              marker: Bool) -> [AccessUnit] {
        var output: [AccessUnit] = []
        var gap = false
        if let last = lastSequenceNumber {
            let delta = sequenceNumber &- last
            if delta == 0 || delta >= 0x8000 {
                droppedPackets += 1
                return output
            }
            gap = delta != 1
        }
        lastSequenceNumber = sequenceNumber
        if gap {
            if pictureOpen { pictureBroken = true }
            awaitingKeyframe = true
        }

        let descriptor = try? VP9.PayloadDescriptor(parsing: payload)
        if pictureOpen && rtpTimestamp != pictureTimestamp { finishPicture(into: &output) }
        if !pictureOpen {
            pictureOpen = true
            pictureTimestamp = rtpTimestamp
            pictureBroken = !(descriptor?.isStartOfFrame ?? false)  // must begin with a frame start
        }
        picturePackets += 1
        if let descriptor, !pictureBroken {
            append(payload.dropFirst(descriptor.size), descriptor: descriptor)
        } else {
            pictureBroken = true
        }
        if marker { finishPicture(into: &output) }
        return output
    }

    /// Delivers the picture in progress, if any (e.g. at end of stream).
    public mutating func flush() -> [AccessUnit] {
        var output: [AccessUnit] = []
        if pictureOpen { finishPicture(into: &output) }
        return output
    }

    private mutating func append(_ data: ArraySlice<UInt8>, descriptor: VP9.PayloadDescriptor) {
        if descriptor.isStartOfFrame {
            guard !frameOpen, frames.count < VP9.maxSpatialLayers else { pictureBroken = true; return }
            frameOpen = true
            frame.removeAll(keepingCapacity: true)
            if frames.isEmpty { pictureIsKeyframe = Self.isKeyframe(descriptor, frameStart: data) }
            if let structure = descriptor.scalabilityStructure { scalabilityStructure = structure }
        } else if !frameOpen {
            pictureBroken = true
            return
        }
        guard data.count <= limits.maxAccessUnitBytes - pictureBytes - frame.count else {
            pictureBroken = true
            return
        }
        frame.append(contentsOf: data)
        if descriptor.isEndOfFrame { closeFrame() }
    }

    private mutating func closeFrame() {
        frameOpen = false
        pictureBytes += frame.count
        frames.append(frame)
    }

    static func isKeyframe(_ descriptor: VP9.PayloadDescriptor, frameStart: ArraySlice<UInt8>) -> Bool {
        guard !descriptor.isInterPicturePredicted else { return false }
        if let layer = descriptor.layerIndices, layer.hasInterLayerDependency || layer.spatialID != 0 { return false }
        guard let header = try? VP9.FrameHeader(parsing: frameStart) else { return true }
        return header.isKeyframe
    }

    private mutating func finishPicture(into output: inout [AccessUnit]) {
        // The marker or a new timestamp ends the last frame even without E: with no sequence
        // gap, nothing of it was lost.
        if frameOpen && !pictureBroken { closeFrame() }
        defer {
            frames = []
            frameOpen = false
            pictureBytes = 0
            picturePackets = 0
            pictureOpen = false
            pictureBroken = false
            pictureIsKeyframe = false
        }
        if pictureBroken || frames.isEmpty || (awaitingKeyframe && !pictureIsKeyframe) {
            droppedPackets += picturePackets
            droppedAccessUnits += 1
            if pictureBroken { awaitingKeyframe = true }
            return
        }
        if pictureIsKeyframe { awaitingKeyframe = false }
        output.append(AccessUnit(payloads: frames, rtpTimestamp: pictureTimestamp, isKeyframe: pictureIsKeyframe))
    }
}
