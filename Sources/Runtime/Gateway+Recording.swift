import Recording
import Routing

extension Gateway {
    /// Records `path` as described by `spec`. The path is created if it does not exist yet (its
    /// source may come later). Throws when the path name cannot map to a directory under the root.
    func startRecording(path: String, spec: RecordSpec) async throws {
        let target = try router.path(named: path) ?? router.createPath(named: path)
        let recorder: Recorder
        do {
            recorder = try Recorder(path: target, configuration: .init(spec: spec), eventLoop: group.next(), logger: logger)
        } catch {
            throw SourceError.unusable("--record \(path)=\(spec.directory): \(error)")
        }
        try await recorder.start()
        stoppers.append { await recorder.stop() }
    }
}
