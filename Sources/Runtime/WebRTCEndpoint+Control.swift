import NIOCore
import WHIP

/// Ending sessions on an operator's request (the control API): by path, or one by its id in
/// `/metrics` and `GET /v1/sessions` (never its resource id).
extension WebRTCEndpoint {
    /// Ends every WHIP/WHEP session of `pathName` (RTCP BYE, DTLS close_notify); returns how many.
    @discardableResult
    public func closeSessions(pathName: String, reason: String) async -> Int {
        let closing = (try? await transport.eventLoop.submit { [self] () -> [EventLoopFuture<Void>] in
            resources.all.filter { $0.pathName == pathName }.compactMap { resources.remove(id: $0.id)?.payload.close(reason) }
        }.get()) ?? []
        for future in closing { try? await future.get() }
        return closing.count
    }

    /// Ends the session whose metrics id is `id`; false when there is none.
    public func closeSession(metricsID id: String, reason: String) async -> Bool {
        let closing = try? await transport.eventLoop.submit { [self] () -> EventLoopFuture<Void>? in
            guard let resource = resources.all.first(where: { $0.payload.peer.metricsID == id }) else { return nil }
            return resources.remove(id: resource.id)?.payload.close(reason)
        }.get()
        guard let closing else { return false }
        try? await closing.get()
        return true
    }
}
