import ICE
import RTCBase

extension WebRTCSession {
    /// A remote candidate that arrived after the session was created (trickle: a PATCH body, or a
    /// late answer fragment). Only a full-ICE session uses them; false when not added.
    @discardableResult
    public func addRemoteCandidate(_ candidate: ICECandidate, now: Instant) -> Bool {
        guard !isClosed else { return false }
        defer { refreshRemoteAddress() }
        let added = ice.addRemoteCandidate(candidate, now: now)
        drainICE(now: now)
        return added
    }

    /// When a full-ICE session's agent selected its first pair (nil for ICE-lite or before).
    public var iceConnectedAt: Instant? { ice.full?.connectedAt }

    /// The full agent's role now (a role conflict may have switched it); nil for ICE-lite.
    public var iceRole: ICERole? { ice.full?.role }
}
