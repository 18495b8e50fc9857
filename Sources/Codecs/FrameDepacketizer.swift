/// Depacketizer for payload formats where one RTP payload is one whole frame: Opus (RFC 7587
/// §4.2), G.711 PCMU/PCMA (RFC 3551 §4.5.14). Every non-empty payload within the size cap is an
/// access unit and a sync point; loss needs no recovery, so gaps are not tracked.
public struct FrameDepacketizer: RTPDepacketizer, Sendable {
    public let limits: DepacketizerLimits
    public private(set) var droppedPackets = 0

    public init(limits: DepacketizerLimits = DepacketizerLimits()) {
        self.limits = limits
    }

    public mutating func push(payload: ArraySlice<UInt8>, sequenceNumber: UInt16, rtpTimestamp: UInt32,
                              marker: Bool) -> [AccessUnit] {
        guard !payload.isEmpty, payload.count <= limits.maxAccessUnitBytes else {
            droppedPackets += 1
            return []
        }
        return [AccessUnit(payloads: [Array(payload)], rtpTimestamp: rtpTimestamp, isKeyframe: true)]
    }
}
