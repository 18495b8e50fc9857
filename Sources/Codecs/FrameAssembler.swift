/// The codec-specific half of a depacketizer: how one RTP payload adds to the access unit in
/// progress and what the finished unit is. `FrameAssembler` calls these hooks statically
/// (generic, no existentials or closures on the per-packet path).
protocol FrameAssemblyFormat: Sendable {
    /// What the format reads from a payload before assembly (e.g. the VP8 payload descriptor),
    /// so it is parsed once per packet.
    associatedtype Packet

    /// Caps shared by the assembler and the format.
    var limits: DepacketizerLimits { get }

    /// Parses what `startsUnit`, `begin` and `append` need from one payload.
    func inspect(_ payload: ArraySlice<UInt8>) -> Packet

    /// True when `packet` starts a new unit even with an unchanged RTP timestamp (VP8's S = 1,
    /// PID = 0). Defaults to false: units end at the marker bit or a timestamp change.
    func startsUnit(_ packet: Packet) -> Bool

    /// Called with the first packet of a new unit. Marks `unit` broken when the unit cannot be
    /// whole from here: it begins mid-frame, or after a sequence gap (`afterGap`) it cannot be
    /// shown to begin at this packet.
    mutating func begin(_ unit: inout PartialAccessUnit, with packet: Packet, afterGap: Bool)

    /// Adds one packet to an unbroken `unit`; marks it broken if the packet is malformed or
    /// over a limit.
    mutating func append(_ packet: Packet, to unit: inout PartialAccessUnit)

    /// Called once when the unit ends (marker, timestamp change, flush), before it is judged:
    /// close what may be closed, mark `unit` broken if something is missing (an open fragment).
    mutating func end(_ unit: inout PartialAccessUnit)

    /// True when a decoder can start at the unit just ended (valid between `end` and `reset`).
    var unitIsKeyframe: Bool { get }

    /// Completes the payloads of a unit about to be delivered (parameter sets, a temporal
    /// delimiter). Defaults to nothing.
    mutating func finalize(_ payloads: inout [[UInt8]], isKeyframe: Bool)

    /// Clears the per-unit state of the format.
    mutating func reset()
}

extension FrameAssemblyFormat {
    func startsUnit(_ packet: Packet) -> Bool { false }
    mutating func finalize(_ payloads: inout [[UInt8]], isKeyframe: Bool) {}
}

extension FrameAssemblyFormat where Packet == ArraySlice<UInt8> {
    func inspect(_ payload: ArraySlice<UInt8>) -> ArraySlice<UInt8> { payload }
}

/// Unit assembly shared by the video depacketizers (H.264 RFC 6184 §5.1, H.265 RFC 7798 §4.1,
/// VP8 RFC 7741 §4, VP9 RFC 9628 §4, AV1 RTP §4): the run of in-order packets sharing an RTP
/// timestamp is one access unit, complete at the marker bit (RFC 3550 §5.1), at the next
/// timestamp change, when `Format.startsUnit` says so, or at `flush()`.
///
/// Duplicate and late packets (sequence number not ahead of the last one) are dropped and
/// counted; padding-only packets (empty payloads) advance the sequence and are skipped. A
/// sequence-number gap breaks the open unit; a broken, empty or (while waiting for a
/// key frame) non-key unit is dropped with its packets counted, and after a broken unit
/// delivery resumes at the next key frame.
struct FrameAssembler<Format: FrameAssemblyFormat>: Sendable {
    /// The codec-specific state and hooks.
    private(set) var format: Format
    /// Received packets that did not make it into a delivered unit.
    private(set) var droppedPackets = 0
    /// Units dropped as broken, empty or not decodable (waiting for a key frame).
    private(set) var droppedAccessUnits = 0
    /// Padding-only packets (empty payloads) skipped without touching the unit in progress.
    private(set) var paddingPackets = 0

    private var unit = PartialAccessUnit()
    private var unitPackets = 0
    private var unitTimestamp: UInt32 = 0
    private var unitOpen = false
    private var lastSequenceNumber: UInt16?
    private var awaitingKeyframe = false
    /// Units are held back until the next keyframe (after a gap or a broken unit).
    var isAwaitingKeyframe: Bool { awaitingKeyframe }

    init(format: Format) {
        self.format = format
    }

    var limits: DepacketizerLimits { format.limits }

    mutating func push(payload: ArraySlice<UInt8>, sequenceNumber: UInt16, rtpTimestamp: UInt32,
                       marker: Bool) -> [AccessUnit] {
        var output: [AccessUnit] = []
        var gap = false
        if let last = lastSequenceNumber {
            let delta = sequenceNumber &- last
            if delta == 0 || delta >= 0x8000 {  // duplicate or late: the unit it belonged to is gone
                droppedPackets += 1
                return output
            }
            gap = delta != 1
        }
        lastSequenceNumber = sequenceNumber
        if gap {
            if unitOpen { unit.isBroken = true }  // the lost packets may have been part of it
            awaitingKeyframe = true
        }
        // A padding-only packet (RFC 3550 §5.1: all padding, nothing left once it is removed),
        // as senders probe bandwidth with: it takes a sequence number but belongs to no frame.
        guard !payload.isEmpty else {
            paddingPackets += 1
            return output
        }

        let packet = format.inspect(payload)
        if unitOpen && (rtpTimestamp != unitTimestamp || format.startsUnit(packet)) { finishUnit(into: &output) }
        if !unitOpen {
            unitOpen = true
            unitTimestamp = rtpTimestamp
            format.begin(&unit, with: packet, afterGap: gap)
        }
        unitPackets += 1
        if !unit.isBroken { format.append(packet, to: &unit) }
        if marker { finishUnit(into: &output) }
        return output
    }

    /// Delivers the unit in progress, if any (e.g. at end of stream).
    mutating func flush() -> [AccessUnit] {
        var output: [AccessUnit] = []
        if unitOpen { finishUnit(into: &output) }
        return output
    }

    private mutating func finishUnit(into output: inout [AccessUnit]) {
        format.end(&unit)
        let isKeyframe = format.unitIsKeyframe
        defer {
            unit.reset()
            format.reset()
            unitPackets = 0
            unitOpen = false
        }
        if unit.isBroken || unit.payloads.isEmpty || (awaitingKeyframe && !isKeyframe) {
            droppedPackets += unitPackets
            droppedAccessUnits += 1
            if unit.isBroken { awaitingKeyframe = true }
            return
        }
        if isKeyframe { awaitingKeyframe = false }
        var payloads = unit.payloads
        unit.reset()  // the delivered payloads are not copied on `finalize`
        format.finalize(&payloads, isKeyframe: isKeyframe)
        output.append(AccessUnit(payloads: payloads, rtpTimestamp: unitTimestamp, isKeyframe: isKeyframe))
    }
}
