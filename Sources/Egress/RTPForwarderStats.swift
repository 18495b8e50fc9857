/// Counters of one RTP egress.
public struct RTPForwarderStats: Sendable, Equatable {
    public var unitsForwarded = 0
    /// Units not sent: unknown track, or video waiting for a keyframe.
    public var unitsSkipped = 0
    public var packetsSent = 0
    public var bytesSent = 0
    /// Packets the runtime could not send (slow destination).
    public var packetsDropped = 0
    public var senderReportsSent = 0
    public var receiverReportsReceived = 0
    /// PLI and FIR for our video SSRC.
    public var keyframeRequestsReceived = 0
    /// Keyframes asked of the path because none went out for `keyframeInterval`.
    public var periodicKeyframeRequests = 0
    public var nacksReceived = 0
    /// Datagrams that were not valid RTCP.
    public var malformedRTCP = 0
    public init() {}
}
