import Egress
import Routing

extension Gateway {
    /// Starts plain RTP egress of `path` to `spec` (the path is created if it does not exist yet,
    /// so a forward can wait for an on-demand or late publisher).
    func startForward(path: String, spec: ForwardSpec) async throws {
        let target = try router.path(named: path) ?? router.createPath(named: path)
        let forwarder = RTPForwarder(path: target, spec: spec, sdpFile: spec.sdpFile(forPath: path),
                                     eventLoop: group.next(), logger: logger)
        do {
            try await forwarder.start()
        } catch {
            throw SourceError.unusable("--forward \(path)=\(spec): \(error)")
        }
        stoppers.append { await forwarder.stop() }
    }
}
