import Logging
import RTCBase

/// One log line per session lifecycle event (created, connected, closed with its reason and
/// duration), each carrying the session's metrics id, path and role. The resource id is never
/// logged: with the path's token (or alone when the path has none) it lets a client PATCH or
/// DELETE the session, and log readers need not hold that power.
extension WebRTCPeer {
    /// What every log line about this session carries.
    var logMetadata: Logger.Metadata {
        ["session": "\(metricsID)", "path": "\(pathName)", "role": "\(role.rawValue)"]
    }

    func logCreated(_ logger: Logger, media: String) {
        logger.info("session created", metadata: logMetadata.merging(["event": "created", "media": "\(media)"]) { $1 })
    }

    func logConnected(_ logger: Logger, srtp: String) {
        logger.info("session connected", metadata: logMetadata.merging(["event": "connected", "srtp": "\(srtp)"]) { $1 })
    }

    func logClosed(_ logger: Logger, reason: String, extra: Logger.Metadata = [:]) {
        let lived = RuntimeClock.now() - createdAt
        let seconds = Double(lived.components.seconds) + Double(lived.components.attoseconds) / 1e18
        logger.info("session closed", metadata: logMetadata.merging([
            "event": "closed", "reason": "\(reason)", "candidateType": "\(candidateType)",
            "durationSeconds": "\((seconds * 1000).rounded() / 1000)",
        ].merging(extra) { $1 }) { $1 })
    }
}
