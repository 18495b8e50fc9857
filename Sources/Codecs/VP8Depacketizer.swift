/// Reassembles VP8 frames from RTP payloads (RFC 7741 §4). A frame starts at a packet whose
/// descriptor has S = 1 and PID = 0, and ends at the marker bit or the next timestamp change.
/// Its key-frame flag is the inverted P bit of the VP8 payload header (§4.3).
/// A sequence-number gap or malformed packet drops the frame it hits; delivery then resumes at
/// the next key frame.
public struct VP8Depacketizer: RTPDepacketizer, Sendable {
    public let limits: DepacketizerLimits
    public private(set) var droppedPackets = 0
    public private(set) var droppedAccessUnits = 0

    private var frame: [UInt8] = []
    private var framePackets = 0
    private var frameTimestamp: UInt32 = 0
    private var frameOpen = false
    private var frameBroken = false
    private var frameIsKeyframe = false
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
            if frameOpen { frameBroken = true }
            awaitingKeyframe = true
        }

        let descriptor = try? VP8.PayloadDescriptor(parsing: payload)
        let startsFrame = descriptor?.startsFrame ?? false
        if frameOpen && (rtpTimestamp != frameTimestamp || startsFrame) { finishFrame(into: &output) }
        if !frameOpen {
            frameOpen = true
            frameTimestamp = rtpTimestamp
            frameBroken = !startsFrame  // a frame must begin with its first packet
        }
        framePackets += 1
        if let descriptor, !frameBroken {
            let data = payload.dropFirst(descriptor.size)
            if startsFrame, let first = data.first { frameIsKeyframe = VP8.isKeyframeHeader(first) }
            if data.count <= limits.maxAccessUnitBytes - frame.count {
                frame.append(contentsOf: data)
            } else {
                frameBroken = true
            }
        } else {
            frameBroken = true
        }
        if marker { finishFrame(into: &output) }
        return output
    }

    /// Delivers the frame in progress, if any (e.g. at end of stream).
    public mutating func flush() -> [AccessUnit] {
        var output: [AccessUnit] = []
        if frameOpen { finishFrame(into: &output) }
        return output
    }

    private mutating func finishFrame(into output: inout [AccessUnit]) {
        defer {
            frame = []
            framePackets = 0
            frameOpen = false
            frameBroken = false
            frameIsKeyframe = false
        }
        if frameBroken || frame.isEmpty || (awaitingKeyframe && !frameIsKeyframe) {
            droppedPackets += framePackets
            droppedAccessUnits += 1
            if frameBroken { awaitingKeyframe = true }
            return
        }
        if frameIsKeyframe { awaitingKeyframe = false }
        output.append(AccessUnit(payloads: [frame], rtpTimestamp: frameTimestamp, isKeyframe: frameIsKeyframe))
    }
}
