import Ingest

// Pulling RTSP cameras (issue #4): `RTSPSourceSpec` says what to pull, `RTSPSource` pulls it.

extension Gateway {
    func startRTSPSource(name: String, spec: RTSPSourceSpec) async throws {
        let source = try RTSPSource(pathName: name, spec: spec, router: router, eventLoop: group.next(), logger: logger)
        source.start()
        stoppers.append { await source.stop() }
    }
}
