/// Reassembles VP8 frames from RTP payloads (RFC 7741 §4). A frame starts at a packet whose
/// descriptor has S = 1 and PID = 0, and ends at the marker bit or the next timestamp change.
/// Its key-frame flag is the inverted P bit of the VP8 payload header (§4.3).
/// A sequence-number gap or malformed packet drops the frame it hits; delivery then resumes at
/// the next key frame.
public struct VP8Depacketizer: RTPDepacketizer, Sendable {
    private var assembler: FrameAssembler<FrameAssembly>

    public init(limits: DepacketizerLimits = DepacketizerLimits()) {
        assembler = FrameAssembler(format: FrameAssembly(limits: limits))
    }

    public var limits: DepacketizerLimits { assembler.limits }
    public var droppedPackets: Int { assembler.droppedPackets }
    public var droppedAccessUnits: Int { assembler.droppedAccessUnits }
    public var isAwaitingKeyframe: Bool { assembler.isAwaitingKeyframe }

    public mutating func push(payload: ArraySlice<UInt8>, sequenceNumber: UInt16, rtpTimestamp: UInt32,
                              marker: Bool) -> [AccessUnit] {
        assembler.push(payload: payload, sequenceNumber: sequenceNumber, rtpTimestamp: rtpTimestamp, marker: marker)
    }

    /// Delivers the frame in progress, if any (e.g. at end of stream).
    public mutating func flush() -> [AccessUnit] {
        assembler.flush()
    }
}

extension VP8Depacketizer {
    /// The VP8 half of the assembly: the frame is the fragment of the unit, the payloads after
    /// each descriptor joined (§4.1); it becomes the unit's single payload when the frame ends.
    struct FrameAssembly: FrameAssemblyFormat {
        typealias Packet = (descriptor: VP8.PayloadDescriptor?, payload: ArraySlice<UInt8>)

        let limits: DepacketizerLimits
        private var frameIsKeyframe = false

        init(limits: DepacketizerLimits) {
            self.limits = limits
        }

        var unitIsKeyframe: Bool { frameIsKeyframe }

        func inspect(_ payload: ArraySlice<UInt8>) -> Packet {
            (try? VP8.PayloadDescriptor(parsing: payload), payload)
        }

        func startsUnit(_ packet: Packet) -> Bool {
            packet.descriptor?.startsFrame ?? false
        }

        func begin(_ unit: inout PartialAccessUnit, with packet: Packet, afterGap: Bool) {
            if !startsUnit(packet) { unit.isBroken = true }  // a frame must begin with its first packet
        }

        mutating func append(_ packet: Packet, to unit: inout PartialAccessUnit) {
            guard let descriptor = packet.descriptor else { unit.isBroken = true; return }
            let data = packet.payload.dropFirst(descriptor.size)
            if descriptor.startsFrame {  // only ever the first packet of an unbroken unit
                unit.startFragment()
                if let first = data.first { frameIsKeyframe = VP8.isKeyframeHeader(first) }
            }
            unit.appendToFragment(data, limits: limits)
        }

        /// An empty frame is no payload: the unit is then dropped, though not broken.
        func end(_ unit: inout PartialAccessUnit) {
            if !unit.isBroken && !unit.fragment.isEmpty { unit.closeFragment() }
        }

        mutating func reset() {
            frameIsKeyframe = false
        }
    }
}
